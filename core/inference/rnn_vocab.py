"""The recurrent language model's words: how a text becomes tokens, and tokens become ids.

    tokenize("Let's eat, Charles!")   # ["let's", "eat", ",", "charles", "!"]
    vocab = Vocab(words)              # words[0] == UNK, words[1] == EOS
    vocab.ids(tokenize(text))         # unknown words -> the UNK id

Tokens are lower-cased runs of letters and digits (inner apostrophes and hyphens kept), a
token with a digit in it becomes NUM, and each of ``. , ! ? ; : " ( )`` is a token of its own,
so a comma or a full stop is a step of the network like a word. The build script
(models/build_rnn.py) reads its corpus with this same function, so training and use agree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

UNK = "<unk>"
EOS = "<eos>"  # the end of a paragraph in the corpus
NUM = "<num>"
SPECIALS = (UNK, EOS)
PUNCTUATION = frozenset('.,!?;:"()')
SENTENCE_END = frozenset(".!?")
_TOKEN = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*|[.,!?;:\"()]")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def tokenize(text: str) -> list[str]:
    """The model's tokens of ``text`` (lower-cased words, numbers as NUM, punctuation marks)."""
    out = []
    for tok in _TOKEN.findall(text.translate(_QUOTES).lower()):
        out.append(NUM if any(c.isdigit() for c in tok) else tok)
    return out


def is_word(token: str) -> bool:
    """True for a word (or NUM), False for a punctuation mark or EOS: what per-word perplexity counts."""
    return token not in PUNCTUATION and token != EOS


@dataclass
class Vocab:
    """The model's word list (row order = ids; UNK first, EOS second, then by frequency)."""

    words: list[str]
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if tuple(self.words[:2]) != SPECIALS:
            raise ValueError(f"a vocabulary starts with {SPECIALS}, not {tuple(self.words[:2])}")
        self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    @property
    def unk_id(self) -> int:
        return 0

    @property
    def eos_id(self) -> int:
        return 1

    def id(self, token: str) -> int:
        return self.index.get(token, 0)

    def ids(self, tokens: list[str]) -> list[int]:
        return [self.index.get(t, 0) for t in tokens]
