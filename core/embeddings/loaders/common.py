"""Shared types for loaders: options, the raw result, word decoding."""
from __future__ import annotations

import codecs
from dataclasses import dataclass, field

import numpy as np

from ...errors import FileFormatError, InputError


@dataclass(frozen=True)
class LoadOptions:
    limit: int | None = None  # keep only the first N words (the most frequent)
    lowercase: bool = False  # fold words to lower case, keeping the first of each
    dtype: str = "float32"  # or float16
    encoding: str = "utf-8"
    vocab_path: str | None = None  # for .npy/.npz
    metadata_path: str | None = None  # for Projector TSV
    # Projector TSV: its sprite sheet (an image or a projector config naming one; else one found beside the
    # vectors) and the size of one picture (width, height; else the projector's square grid)
    sprite_path: str | None = None
    sprite_dim: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.dtype not in ("float32", "float16"):
            raise InputError(f"dtype must be float32 or float16, not {self.dtype!r}")
        if self.limit is not None and self.limit <= 0:
            raise InputError(f"the vocabulary limit must be a positive number of words, got {self.limit}")
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise InputError(f"unknown text encoding {self.encoding!r}; expected one Python knows "
                             "(utf-8, latin-1, cp1252, ...)") from None

    def key(self) -> str:
        return f"limit={self.limit};lower={self.lowercase};dtype={self.dtype};enc={self.encoding};" \
               f"vocab={self.vocab_path};meta={self.metadata_path}"


@dataclass
class RawEmbeddings:
    words: list[str]
    vectors: np.ndarray
    metadata: dict[str, list[str]] = field(default_factory=dict)
    index: dict[str, int] | None = None  # word -> row, when the reader built it already
    notes: list[str] = field(default_factory=list)  # what the reader did that the user should know


class Duplicates:
    """A word seen again keeps its first (most frequent) vector, as gensim and fastText do;
    the later ones are skipped and counted, and the first is named in a note."""

    def __init__(self) -> None:
        self.count = 0
        self.first: tuple[str, str, str] | None = None  # word, where first seen, where repeated

    def skip(self, word: str, first_at: str, again_at: str) -> None:
        self.count += 1
        if self.first is None:
            self.first = (word, first_at, again_at)

    def notes(self) -> list[str]:
        if not self.count:
            return []
        word, a, b = self.first
        more = f" and {self.count - 1:,} more" if self.count > 1 else ""
        return [f"{self.count:,} repeated word{'s' * (self.count > 1)} skipped (the first vector is kept): "
                f"{word!r} on {a} and again on {b}{more}"]


def located(err: FileFormatError, line: int | None) -> FileFormatError:
    """The same error at a line (a stream's damage found while reading that line)."""
    if err.line is not None or line is None:
        return err
    return FileFormatError(err.path, err.reason, line=line, column=err.column, expected=err.expected, found=err.found,
                           offset=err.offset)


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
