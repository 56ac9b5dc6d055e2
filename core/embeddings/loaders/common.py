"""Shared types for loaders: options, the raw result, word decoding."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...errors import FileFormatError, InputError

FORMATS = {
    "glove": "GloVe text (word and numbers per line, no header)",
    "word2vec-text": "word2vec text (first line '<count> <dim>')",
    "fasttext-vec": "fastText .vec (word2vec text format)",
    "word2vec-binary": "word2vec binary (.bin)",
    "projector-tsv": "Embedding Projector TSV (vectors.tsv + optional metadata.tsv)",
    "numpy": "NumPy .npy/.npz matrix + vocabulary file",
}


@dataclass(frozen=True)
class LoadOptions:
    limit: int | None = None  # keep only the first N words (the most frequent)
    lowercase: bool = False  # fold words to lower case, keeping the first of each
    dtype: str = "float32"  # or float16
    encoding: str = "utf-8"
    vocab_path: str | None = None  # for .npy/.npz
    metadata_path: str | None = None  # for Projector TSV

    def __post_init__(self) -> None:
        if self.dtype not in ("float32", "float16"):
            raise InputError(f"dtype must be float32 or float16, not {self.dtype!r}")
        if self.limit is not None and self.limit <= 0:
            raise InputError(f"the vocabulary limit must be a positive number of words, got {self.limit}")

    def key(self) -> str:
        return f"limit={self.limit};lower={self.lowercase};dtype={self.dtype};enc={self.encoding};" \
               f"vocab={self.vocab_path};meta={self.metadata_path}"


@dataclass
class RawEmbeddings:
    words: list[str]
    vectors: np.ndarray
    metadata: dict[str, list[str]] = field(default_factory=dict)
    index: dict[str, int] | None = None  # word -> row, when the reader built it already


def decode_word(path: str, raw: bytes, line: int, encoding: str) -> str:
    try:
        word = raw.decode(encoding)
    except UnicodeDecodeError as e:
        raise FileFormatError(
            path, f"the word is not valid {encoding} (byte 0x{raw[e.start]:02x} at position {e.start + 1})",
            line=line, expected=f"{encoding} text; choose another encoding (e.g. latin-1) if the file uses one",
        ) from None
    if "\n" in word or "\r" in word:
        raise FileFormatError(path, "a word contains a line break", line=line, expected="words without line breaks")
    return word
