"""Tokenization: a thin wrapper over ``tokenizers.Tokenizer.from_file``.

It adds what the panels need on top of the raw library: each token's id, its
vocabulary string and the readable text it stands for (``" time"`` rather than
``"Ġtime"``), and an optional start-of-text id put first (SmolLM2 needs id 0
there, or its next-token distribution is wrong).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tokenizers

from ..errors import ModelCorruptError, ModelMissingError
from .runtime import repair_hint


@dataclass(frozen=True)
class Token:
    id: int
    token: str  # the vocabulary entry, e.g. "Ġtime" or "##ing"
    text: str  # what it reads as, e.g. " time"; special tokens read as their name
    start: int  # character offsets into the original text (-1 for added tokens)
    end: int


class Tokenizer:
    """Encode text to :class:`Token` lists and decode ids back to text."""

    def __init__(self, path: str | Path, *, bos_id: int | None = None) -> None:
        path = Path(path)
        if not path.is_file():
            raise ModelMissingError(f"{path}: tokenizer file not found; {repair_hint(verb='build it')}")
        try:
            self._tok = tokenizers.Tokenizer.from_file(str(path))
        except Exception as exc:  # tokenizers raises a bare Exception on malformed JSON
            raise ModelCorruptError(f"{path}: not a tokenizers JSON file ({exc})") from None
        self.path = path
        self.bos_id = bos_id
        self._special = {
            tid for tid, added in self._tok.get_added_tokens_decoder().items() if getattr(added, "special", False)
        }

    @property
    def vocab_size(self) -> int:
        return self._tok.get_vocab_size()

    def encode(self, text: str, *, add_special_tokens: bool = True) -> list[Token]:
        """Tokens of ``text``; with ``add_special_tokens`` the start token / [CLS] [SEP] are included."""
        enc = self._tok.encode(text, add_special_tokens=add_special_tokens)
        out = []
        if add_special_tokens and self.bos_id is not None:
            out.append(Token(self.bos_id, self.token(self.bos_id), self.text(self.bos_id), -1, -1))
        for tid, tok, (start, end), special in zip(enc.ids, enc.tokens, enc.offsets, enc.special_tokens_mask):
            out.append(Token(tid, tok, self.text(tid), -1 if special else start, -1 if special else end))
        return out

    def encode_ids(self, text: str, *, add_special_tokens: bool = True) -> list[int]:
        ids = self._tok.encode(text, add_special_tokens=add_special_tokens).ids
        if add_special_tokens and self.bos_id is not None:
            ids = [self.bos_id, *ids]
        return ids

    def encode_batch_ids(self, texts: list[str], *, add_special_tokens: bool = True) -> list[list[int]]:
        encs = self._tok.encode_batch(list(texts), add_special_tokens=add_special_tokens)
        prefix = [self.bos_id] if add_special_tokens and self.bos_id is not None else []
        return [prefix + e.ids for e in encs]

    def decode(self, ids: list[int], *, skip_special_tokens: bool = True) -> str:
        return self._tok.decode([int(i) for i in ids], skip_special_tokens=skip_special_tokens)

    def token(self, token_id: int) -> str:
        """The vocabulary entry for an id (``"Ġtime"``)."""
        return self._tok.id_to_token(int(token_id)) or ""

    def text(self, token_id: int) -> str:
        """The readable text of one token (``" time"``); special tokens read as their name."""
        tid = int(token_id)
        if tid in self._special:
            return self.token(tid)
        return self._tok.decode([tid], skip_special_tokens=False)

    def id_of(self, token: str) -> int | None:
        return self._tok.token_to_id(token)
