"""core.inference.onnx_worker: any ONNX model opened and run in a child process, with the same
answers and the same errors as in-process, and a cancel that ends the child."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from core.errors import ExplorerError, FileFormatError, InputError
from core.inference import registry
from core.inference.any_model import AnyModel, InputChoice
from core.inference.onnx_worker import OnnxWorker
from core.progress import run_sync
from tests.models.helpers import built, cnn_with_outputs, reference


@pytest.fixture
def worker():
    w = OnnxWorker()
    yield w
    w.stop()


def test_the_child_lists_and_runs_as_in_process(worker, tmp_path):
    built(registry.DIGITS)
    path = cnn_with_outputs(tmp_path)
    listing = run_sync(worker.open(path))
    here = AnyModel(path)
    assert listing.path == path and listing.tensors == here.tensors and listing.inputs == here.inputs
    assert listing.outputs == ["probs"] and worker.child is not None and worker.child.alive
    ref = reference(registry.DIGITS)
    out = run_sync(worker.run(listing, ["relu3", "probs"], InputChoice(image=ref["images"][0])))
    np.testing.assert_allclose(out.values["relu3"], ref["relu3"][:1], atol=1e-5)
    assert out.notes == ("image: the picture as 1×28×28",)
    worker.stop()  # a new child opens the model again by itself
    out = run_sync(worker.run(listing, ["probs"], InputChoice(image=ref["images"][1])))
    np.testing.assert_allclose(out.values["probs"], ref["probs"][1:2], atol=1e-5)


def test_errors_come_back_with_their_class_and_message(worker, tmp_path):
    (tmp_path / "notes.onnx").write_text("not a model")
    with pytest.raises(FileFormatError) as caught:
        run_sync(worker.open(tmp_path / "notes.onnx"))
    with pytest.raises(FileFormatError) as here:
        AnyModel(tmp_path / "notes.onnx")
    assert str(caught.value) == str(here.value) and "not a readable ONNX model" in str(caught.value)
    s = helper.make_tensor_value_info("s", TensorProto.STRING, [1])
    model = helper.make_model(helper.make_graph([helper.make_node("Identity", ["s"], ["o"])], "g", [s],
                                                [helper.make_tensor_value_info("o", TensorProto.STRING, [1])]))
    model.ir_version = 8
    onnx.save(model, str(tmp_path / "strings.onnx"))
    listing = run_sync(worker.open(tmp_path / "strings.onnx"))
    with pytest.raises(InputError, match="cannot make input 's'"):
        run_sync(worker.run(listing, ["o"], InputChoice()))
    assert isinstance(InputError("x"), ExplorerError)


def test_a_cancelled_request_ends_the_child(worker, tmp_path):
    d = built(registry.ENCODER)
    job = worker.open(d / "model.onnx")
    next(job)  # sent; the child is reading 90 MB
    child = worker.child
    job.close()  # what the task runner does on Cancel
    assert worker.child is None and not child.alive
    built(registry.DIGITS)
    assert run_sync(worker.open(cnn_with_outputs(tmp_path))).outputs == ["probs"]
