"""core.inference.any_model (and graph.read_untrusted): any ONNX file's tensors, fetched on
request. Tested on the digit CNN re-exported without its extra outputs, on MiniLM (text through
the tokenizer.json beside it), and on files that must be refused."""
from __future__ import annotations

import shutil

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from core.errors import FileFormatError, InputError, ModelCorruptError
from core.inference import registry
from core.inference.any_model import AnyModel, InputChoice, read_numbers, run_job
from core.inference.tensor_forms import form_of
from core.progress import run_sync
from tests.models.helpers import built, cnn_with_outputs, reference


@pytest.fixture(scope="module")
def cnn(tmp_path_factory):
    built(registry.DIGITS)
    return cnn_with_outputs(tmp_path_factory.mktemp("cnn"))


def test_the_cnn_without_extra_outputs_lists_and_fetches_every_layer(cnn):
    m = AnyModel(cnn)
    assert m.outputs == ["probs"]
    ops = [t.op_type for t in m.tensors]
    assert ops == ["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Reshape", "Gemm", "Relu", "Gemm", "Softmax"]
    relu1 = m.tensors[1]
    assert relu1.shape[1:] == (20, 24, 24) and relu1.dtype == "float32"
    (image,) = m.inputs
    assert (image.kind, image.channels, image.height, image.width, image.layout) == ("image", 1, 28, 28, "NCHW")
    ref = reference(registry.DIGITS)
    names = [m.tensors[1].name, m.tensors[5].name, m.tensors[8].name]
    out = run_sync(run_job(m, names, InputChoice(image=ref["images"][0], image_name="digit")))
    assert out.notes == ("image: digit as 1×28×28",)
    np.testing.assert_allclose(out.values[names[1]], ref["pool2"][:1], atol=1e-5)
    np.testing.assert_allclose(out.values[names[2]], ref["relu3"][:1], atol=1e-5)
    assert form_of(names[0], out.values[names[0]]).kind == "grid"
    assert form_of(names[2], out.values[names[2]]).kind == "histogram"
    probs = run_sync(run_job(m, ["probs"], InputChoice(image=ref["images"][0]))).values["probs"]
    np.testing.assert_allclose(probs, ref["probs"][:1], atol=1e-5)


def test_an_rgb_picture_is_made_grey_and_no_picture_gives_zeros(cnn, tmp_path):
    from PIL import Image

    m = AnyModel(cnn)
    rgb = np.zeros((100, 80, 3), np.float32)
    feeds, notes = m.feeds(InputChoice(image=rgb))
    assert feeds["image"].shape == (1, 1, 28, 28)
    feeds, notes = m.feeds(InputChoice())
    assert not feeds["image"].any() and "zeros" in notes[0]
    Image.new("RGB", (300, 200), (255, 255, 255)).save(tmp_path / "white.png")
    feeds, notes = m.feeds(InputChoice(image_path=str(tmp_path / "white.png")))
    assert feeds["image"].min() == 1.0 and notes == ["image: white.png as 1×28×28"]
    (tmp_path / "bad.png").write_text("no picture")
    with pytest.raises(FileFormatError, match="not an image"):
        m.feeds(InputChoice(image_path=str(tmp_path / "bad.png")))


def test_external_weights_beside_the_model_are_used_in_place(cnn, tmp_path):
    path = cnn_with_outputs(tmp_path / "ext", external=True)
    m = AnyModel(path)
    ref = reference(registry.DIGITS)
    out = m.run(["relu3"], {"image": ref["images"][:2, None]})
    np.testing.assert_allclose(out["relu3"], ref["relu3"][:2], atol=1e-5)


def test_minilm_tokens_through_its_tokenizer_and_any_layer(tmp_path):
    d = built(registry.ENCODER)
    m = AnyModel(d / "model.onnx")
    assert [s.kind for s in m.inputs] == ["text", "text"] and m.tokenizer is not None
    assert len(m.tensors) > 100
    first_norm = next(t for t in m.tensors if t.op_type == "LayerNormalization")
    out = run_sync(run_job(m, [first_norm.name, "hidden_states"], InputChoice(text="The river bank was muddy.")))
    h = out.values[first_norm.name]
    assert h.shape == (1, 8, 384)  # [CLS] the river bank was muddy . [SEP]
    np.testing.assert_allclose(h[0], out.values["hidden_states"][0, 0], atol=1e-5)
    assert form_of(first_norm.name, h).kind == "matrix"
    assert any("tokens of 'The river bank" in n for n in out.notes)


def _tiny(path, inputs, nodes, outputs, opset=17, domain_opsets=()):
    graph = helper.make_graph(nodes, "tiny", inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset), *domain_opsets])
    model.ir_version = 8  # what onnxruntime reads (the onnx package writes a newer one by default)
    onnx.save(model, str(path))
    return path


def test_other_inputs_are_zeros_or_numbers_from_a_file(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])
    path = _tiny(tmp_path / "add.onnx", [x], [helper.make_node("Relu", ["x"], ["r"]),
                                              helper.make_node("Add", ["r", "r"], ["y"])], [y])
    m = AnyModel(path)
    assert m.inputs[0].kind == "numbers"
    out = run_sync(run_job(m, ["r", "y"], InputChoice()))
    assert out.values["r"].shape == (1, 3) and not out.values["y"].any()
    np.save(tmp_path / "x.npy", np.array([[-1.0, 2.0, 3.0]]))
    arr = read_numbers(tmp_path / "x.npy", m.inputs[0])
    assert arr.dtype == np.float32 and arr.shape == (1, 3)
    out = run_sync(run_job(m, ["y"], InputChoice(numbers=(("x", str(tmp_path / "x.npy")),))))
    np.testing.assert_allclose(out.values["y"], [[0, 4, 6]])
    assert out.notes == ("x: x.npy, shape (1, 3)",)
    np.save(tmp_path / "wrong.npy", np.ones((2, 5)))
    with pytest.raises(FileFormatError, match=r"does not fit input 'x'; expected \('\?', 3\)"):
        read_numbers(tmp_path / "wrong.npy", m.inputs[0])
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(FileFormatError, match="not a .npy array of numbers"):
        read_numbers(tmp_path / "objects.npy", m.inputs[0])
    with pytest.raises(InputError, match="no tensor named 'nope'"):
        m.run(["nope"], {"x": np.zeros((1, 3), np.float32)})
    with pytest.raises(InputError, match="did not run on this input"):
        m.run(["y"], {"x": np.zeros((1, 4), np.float32)})


def test_a_newer_ir_version_than_onnxruntime_reads_says_so(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    path = _tiny(tmp_path / "new.onnx", [x], [helper.make_node("Relu", ["x"], ["y"])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    model = onnx.load(str(path))
    model.ir_version = 99
    onnx.save(model, str(path))
    with pytest.raises(ModelCorruptError, match=r"onnxruntime cannot load it \(Unsupported model IR version: 99"):
        AnyModel(path).run(["y"], {"x": np.zeros(1, np.float32)})


def test_an_input_it_cannot_make_is_a_clear_error(tmp_path):
    s = helper.make_tensor_value_info("s", TensorProto.STRING, [1])
    o = helper.make_tensor_value_info("o", TensorProto.STRING, [1])
    m = AnyModel(_tiny(tmp_path / "str.onnx", [s], [helper.make_node("Identity", ["s"], ["o"])], [o]))
    assert m.inputs[0].kind == "" and "cannot be made" in m.inputs[0].describe()
    with pytest.raises(InputError, match="cannot make input 's' of str.onnx"):
        m.feeds(InputChoice())


def test_a_custom_operator_is_refused_before_onnxruntime_sees_it(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    path = _tiny(tmp_path / "custom.onnx", [x], [helper.make_node("Relu", ["x"], ["r"]),
                                                 helper.make_node("Mystery", ["r"], ["y"], domain="com.example")],
                 [y], domain_opsets=[helper.make_opsetid("com.example", 1)])
    with pytest.raises(FileFormatError, match=r"custom\.onnx: node 'Mystery' is a custom operator"):
        AnyModel(path)


def test_files_that_are_not_onnx_models(tmp_path):
    (tmp_path / "text.onnx").write_text("this is not a model\n" * 10)
    (tmp_path / "random.onnx").write_bytes(np.random.default_rng(0).bytes(5000))
    (tmp_path / "empty.onnx").write_bytes(b"")
    for name in ("text.onnx", "random.onnx", "empty.onnx"):
        with pytest.raises(FileFormatError, match="not a readable ONNX model|not an ONNX model"):
            AnyModel(tmp_path / name)
    with pytest.raises(FileFormatError, match="not found"):
        AnyModel(tmp_path / "missing.onnx")


def test_external_data_must_be_complete_and_inside_the_folder(tmp_path):
    path = cnn_with_outputs(tmp_path / "gone", external=True)
    (path.parent / "cnn.data").unlink()
    with pytest.raises(FileFormatError, match=r"keeps its data in 'cnn.data', which is missing"):
        AnyModel(path)

    path = cnn_with_outputs(tmp_path / "short", external=True)
    data = path.parent / "cnn.data"
    data.write_bytes(data.read_bytes()[:1000])
    with pytest.raises(FileFormatError, match="cnn.data is 1,000 bytes; its tensors need"):
        AnyModel(path)

    outside = tmp_path / "outside"
    outside.mkdir()
    for location in ("../outside/cnn.data", str(outside / "cnn.data"), "link/cnn.data"):
        path = cnn_with_outputs(tmp_path / f"escape{len(location)}", external=True)
        shutil.copy(path.parent / "cnn.data", outside / "cnn.data")
        if location.startswith("link"):
            (path.parent / "link").symlink_to(outside)
        model = onnx.load(str(path), load_external_data=False)
        for t in model.graph.initializer:
            for e in t.external_data:
                if e.key == "location":
                    e.value = location
        onnx.save(model, str(path))
        with pytest.raises(FileFormatError,
                           match="climbs out of the model.s folder|an absolute path|leads out of the model.s folder"):
            AnyModel(path)
