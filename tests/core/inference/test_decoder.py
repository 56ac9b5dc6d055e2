"""core.inference.decoder: tiny GPT-2-style decoders with random weights, exported by torch in Optimum's
layouts (models/build_tiny_decoder.py), read step by step and checked against torch's logits; folders
that do not fit get a FileFormatError naming what was expected and what was found."""
from __future__ import annotations

import shutil

import numpy as np
import onnx
import pytest

from core.errors import FileFormatError
from core.inference.decoder import OptimumDecoder
from core.inference.distribution import render
from core.inference.trace import append, read_prompt, undo
from core.progress import run_sync


@pytest.mark.parametrize("layout, cached", [("past", True), ("split", True), ("plain", False)])
def test_each_layout_reads_and_steps_like_torch(tiny_decoder, layout, cached):
    folder = tiny_decoder(layout)
    dec = OptimumDecoder(folder)
    with np.load(f"{folder}/reference.npz") as z:
        ids, ref = [int(i) for i in z["input_ids"]], z["logits"]
    assert dec.bos_id == ids[0] == dec.eos_id and dec.max_positions == 64 and dec.vocab_size == ref.shape[1]
    assert dec.precisions == ("fp32",) and dec.provider == "CPUExecutionProvider"
    assert ("key/value cache of 2 layers x 4 heads x 8" in dec.description) == cached
    whole = run_sync(read_prompt(dec, dec.tokenizer.decode(ids[1:])))
    assert [t.id for t in whole.tokens] == ids
    np.testing.assert_allclose(whole.logits, ref[-1], atol=1e-4)
    short = run_sync(read_prompt(dec, dec.tokenizer.decode(ids[1:3])))
    stepped = short
    for tid in ids[3:]:  # one cached step per token
        stepped = append(stepped, [tid])
    for i, step in enumerate(stepped.steps):
        np.testing.assert_allclose(step.logits, ref[2 + i], atol=1e-4)
    np.testing.assert_allclose(stepped.logits, ref[-1], atol=1e-4)
    assert dec.cache_length(stepped.cache) == len(ids)
    back = undo(stepped, 3)
    np.testing.assert_allclose(back.logits, ref[-4], atol=1e-4)
    assert dec.cache_length(back.cache) == len(ids) - 3
    view = render(stepped.logits, dec.tokenizer.readable, n=10)
    assert len(view.bars) == 10 and view.bars[0].logit >= view.bars[-1].logit


def test_a_folder_without_tokenizer_json_is_named(tiny_decoder, tmp_path):
    folder = tmp_path / "no-tokenizer"
    shutil.copytree(tiny_decoder("past"), folder)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(FileFormatError) as err:
        OptimumDecoder(folder)
    e = err.value
    assert "no tokenizer.json" in str(e) and "tokenizer.json" in e.expected and "model.onnx" in e.found


def test_a_graph_without_logits_is_named(tiny_decoder):
    with pytest.raises(FileFormatError) as err:
        OptimumDecoder(tiny_decoder("past", logits_name="scores"))
    e = err.value
    assert "no logits output" in str(e) and "logits" in e.expected
    assert "scores" in e.found and "present.0.key" in e.found


def test_folders_that_do_not_fit(tiny_decoder, tmp_path):
    with pytest.raises(FileFormatError, match="not a folder"):
        OptimumDecoder(tmp_path / "missing")
    empty = tmp_path / "only-tokenizer"
    empty.mkdir()
    shutil.copy(f"{tiny_decoder('past')}/tokenizer.json", empty)
    with pytest.raises(FileFormatError, match="no decoder graph") as err:
        OptimumDecoder(empty)
    assert err.value.found == "tokenizer.json"
    merged = tmp_path / "merged"
    shutil.copytree(tiny_decoder("past"), merged)
    (merged / "model.onnx").rename(merged / "decoder_model_merged.onnx")
    with pytest.raises(FileFormatError, match="merged decoders"):
        OptimumDecoder(merged)
    broken = tmp_path / "broken"
    shutil.copytree(tiny_decoder("past"), broken)
    (broken / "model.onnx").write_bytes(b"not a protobuf")
    with pytest.raises(FileFormatError, match="onnxruntime cannot load it"):
        OptimumDecoder(broken)


def _changed_copy(src: str, dest, change) -> str:
    """A copy of the folder at ``src`` whose model.onnx ``change(graph)`` has edited."""
    shutil.copytree(src, dest)
    m = onnx.load(f"{src}/model.onnx")
    change(m.graph)
    onnx.save(m, str(dest / "model.onnx"))
    return str(dest)


def test_unknown_inputs_and_half_a_cache_are_named(tiny_decoder, tmp_path):
    src = tiny_decoder("past")
    extra = onnx.helper.make_tensor_value_info("token_type_ids", onnx.TensorProto.INT64, ["batch", "seq"])
    with pytest.raises(FileFormatError, match="token_type_ids") as err:
        OptimumDecoder(_changed_copy(src, tmp_path / "odd", lambda g: g.input.append(extra)))
    assert "past_key_values.N.key/value" in err.value.expected

    def drop_value(g) -> None:
        keep = [o for o in g.output if o.name != "present.1.value"]
        del g.output[:]
        g.output.extend(keep)

    with pytest.raises(FileFormatError, match="without matching present outputs") as err:
        OptimumDecoder(_changed_copy(src, tmp_path / "half", drop_value))
    assert "present.1.value" in err.value.expected
