"""core.inference.tokenizer on the two built tokenizer files."""
from __future__ import annotations

import pytest

from core.errors import ModelCorruptError, ModelMissingError
from core.inference import registry
from core.inference.tokenizer import Tokenizer
from tests.models.helpers import built


def test_language_model_tokenizer_puts_start_token_first():
    d = built(registry.LANGUAGE_MODEL)
    tok = Tokenizer(d / "tokenizer.json", bos_id=0)
    toks = tok.encode("Once upon a time")
    assert [t.id for t in toks] == [0, 6403, 1980, 253, 655]
    assert [t.text for t in toks] == ["<|endoftext|>", "Once", " upon", " a", " time"]
    assert toks[2].token == "Ġupon" and (toks[2].start, toks[2].end) == (4, 9)
    assert tok.encode_ids("Once", add_special_tokens=False) == [6403]
    assert tok.encode_batch_ids(["Once", "Once upon"]) == [[0, 6403], [0, 6403, 1980]]
    assert tok.decode([6403, 1980, 253, 655]) == "Once upon a time"
    assert tok.vocab_size == 49152


def test_encoder_tokenizer_adds_cls_and_sep_and_lowercases():
    d = built(registry.ENCODER)
    tok = Tokenizer(d / "tokenizer.json")
    toks = tok.encode("The Cat sat.")
    assert [t.token for t in toks] == ["[CLS]", "the", "cat", "sat", ".", "[SEP]"]
    assert toks[0].start == -1 and toks[1].start == 0
    assert len(tok.encode("word " * 1000)) == 256  # truncated to the model's limit


def test_missing_and_corrupt_tokenizer(tmp_path):
    with pytest.raises(ModelMissingError):
        Tokenizer(tmp_path / "tokenizer.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelCorruptError):
        Tokenizer(bad)
