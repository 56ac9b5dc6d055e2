"""Tokenization: a thin wrapper over ``tokenizers.Tokenizer.from_file``.

It adds what the panels need on top of the raw library: each token's id, its
vocabulary string and the readable text it stands for (``" time"`` rather than
``"Ġtime"``), an optional start-of-text id put first (SmolLM2 needs id 0
there, or its next-token distribution is wrong), and a visible form of each token
for chips, bars and word lists (``"␣time"``; a byte of a split character as ``<0xF0>``).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import tokenizers

from ..errors import ModelCorruptError, ModelMissingError
from .runtime import repair_hint

VISIBLE = {" ": "\u2423", "\n": "\u21b5", "\t": "\u21e5", "\r": "\u240d"}  # ␣ ↵ ⇥ ␍


def visible(text: str) -> str:
    """``text`` with its white space and control characters made visible: ``" time"`` -> ``"␣time"``,
    a newline ``↵``, a tab ``⇥``, any other control character ``<0x07>``."""
    out = []
    for ch in text:
        if ch in VISIBLE:
            out.append(VISIBLE[ch])
        elif unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(f"<0x{ord(ch):02X}>")
        else:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=1)
def byte_level_alphabet() -> dict[str, int]:
    """Byte-level BPE (GPT-2, SmolLM2) writes each byte as one printable character; this maps them back."""
    printable = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    chars = list(printable)
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(0x100 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, chars)}


def visible_bytes(data: bytes) -> str:
    """Bytes that are not a whole character: printable ASCII as itself, the rest as ``<0xNN>``."""
    return "".join(visible(chr(b)) if 0x20 <= b < 0x7F else f"<0x{b:02X}>" for b in data)


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
        except Exception as exc:  # noqa: BLE001 - tokenizers raises a bare Exception on malformed JSON
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

    def readable(self, token_id: int) -> str:
        """A visible form of one token for chips, bars and word lists: ``"␣time"``, ``"↵"``; special
        tokens by name; a piece of a character split over several tokens as its bytes (``<0xF0><0x9F>``)."""
        tid = int(token_id)
        raw = self.token(tid)
        if tid in self._special:
            return raw
        text = self.text(tid)
        if text and "\ufffd" not in text:
            return visible(text)
        alphabet = byte_level_alphabet()
        if raw and all(ch in alphabet for ch in raw):
            data = bytes(alphabet[ch] for ch in raw)
            try:
                return visible(data.decode("utf-8"))
            except UnicodeDecodeError:
                return visible_bytes(data)
        return raw or f"<id {tid}>"
