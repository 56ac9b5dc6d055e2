"""Fill a ``[MASK]`` in a sentence by scoring candidate sentences with the causal model.

A BERT-style masked language model (which sees both sides of the gap) cannot be
had offline here, so this stands in for one; :data:`MASKED_FILL_EXPLAINED`
says so in words a panel can show.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..paths import bundle_dir
from ..progress import Job, Progress, scaled
from .language_model import LanguageModel

MASK = "[MASK]"
MASKED_FILL_EXPLAINED = (
    "Stand-in for a masked (BERT-style) model, which is not available offline: each candidate word is "
    "put into the gap and the whole sentence is scored by SmolLM2-135M, a left-to-right model. "
    "The probabilities are those sentence probabilities renormalised over the candidates. Candidates are "
    "the model's own guesses (asked to fill in the blank, and what it expects after the words to the left) "
    "plus common English words; a word that is not among them cannot appear."
)
BLANK_PROMPT = 'Fill in the blank: "{blank}"\nAnswer: "{left}'
MAX_CANDIDATES = 300

# Used when wordfreq is not installed: frequent English nouns, verbs and adjectives.
BUILTIN_COMMON = (
    "man woman child boy girl king queen prince princess lord lady knight soldier people person friend "
    "mother father son daughter brother sister family baby teacher doctor student dog cat horse bird fish "
    "lion tiger bear wolf mouse snake cow pig sheep house home room door window table chair bed car bus "
    "train ship boat road street city town village country world land sea river lake mountain tree flower "
    "sun moon star sky rain snow wind fire water food bread book letter paper word name story song music "
    "picture game ball money time day night year morning evening week life death war peace god church "
    "school office shop market company government team group army police judge president leader general "
    "captain officer player writer artist singer farmer worker driver guard servant old young big small "
    "little good new great long high first last other same own right left best bad black white red green "
    "blue happy sad rich poor strong beautiful dark cold hot is was sat stood ran went came saw took made "
    "said gave found thought looked"
).split()


@dataclass(frozen=True)
class Fill:
    word: str
    prob: float  # renormalised over the candidates (case variants summed)
    logprob: float  # log-probability of the whole sentence under the model
    sentence: str


COMMON_WORDS_FILE = "common-words-en.txt"  # data/ inside the installed app: wordfreq's list, written at build


def common_words(n: int = 2000) -> list[str]:
    """Frequent English words: the list shipped inside the installed app, else wordfreq's when
    installed, else a built-in list."""
    bundle = bundle_dir()
    if bundle is not None and (bundle / "data" / COMMON_WORDS_FILE).is_file():
        return (bundle / "data" / COMMON_WORDS_FILE).read_text(encoding="utf-8").split()[:n]
    try:
        from wordfreq import top_n_list
    except ImportError:
        return list(BUILTIN_COMMON)[:n]
    return [w for w in top_n_list("en", n) if w.isalpha()]


_WORD = re.compile(r"^[A-Za-z][A-Za-z'-]*$")


def _word_guesses(lm: LanguageModel, prompt: str, n: int, *, after_space: bool = True) -> list[str]:
    """Whole-word next-token guesses; ``after_space``: words start with a space (not after an opening quote)."""
    res = lm.next_token(prompt, n_top=4 * n, precision="fp32")  # inspectors: exact fp32, never the 4-bit files
    out = []
    for c in res.top:
        w = c.text.strip()
        if c.text.startswith(" ") == after_space and _WORD.match(w) and (len(w) > 1 or w in ("a", "A", "I")):
            out.append(w)
        if len(out) >= n:
            break
    return out


def split_mask(sentence: str) -> tuple[str, str]:
    """The text left and right of the single ``[MASK]``; InputError unless there is exactly one."""
    count = sentence.count(MASK)
    if count != 1:
        raise InputError(f"the sentence must contain exactly one {MASK}, found {count}: {sentence!r}")
    left, right = sentence.split(MASK)
    return left, right


def candidates(
    lm: LanguageModel, sentence: str, *, max_candidates: int = MAX_CANDIDATES, extra: list[str] | None = None
) -> list[str]:
    """Candidate words for the gap, most promising sources first, at most ``max_candidates``."""
    left, right = split_mask(sentence)
    blank = sentence.replace(MASK, "___")
    at_start = not left.strip() or left.rstrip()[-1] in ".!?"
    pools = [
        list(extra or []),
        _word_guesses(lm, BLANK_PROMPT.format(blank=blank, left=left.rstrip()), 120, after_space=bool(left.strip())),
        _word_guesses(lm, left.rstrip() if left.strip() else "", 60) if left.strip() else [],
        [w.capitalize() if at_start else w for w in common_words(3000) if len(w) > 2],
    ]
    seen: set[str] = set()
    out: list[str] = []
    for pool in pools:
        for w in pool:
            if w not in seen:
                seen.add(w)
                out.append(w)
                if len(out) >= max_candidates:
                    return out
    return out


def fill_mask(
    lm: LanguageModel,
    sentence: str,
    *,
    max_candidates: int = MAX_CANDIDATES,
    batch_size: int = 64,
    top: int = 20,
    extra: list[str] | None = None,
) -> Job[list[Fill]]:
    """Rank words for the ``[MASK]`` in ``sentence`` (a job with progress); best first."""
    left, right = split_mask(sentence)
    yield Progress(0.0, "collecting candidate words")
    words = candidates(lm, sentence, max_candidates=max_candidates, extra=extra)
    sentences = [left + w + right for w in words]
    ids = lm.tokenizer.encode_batch_ids(sentences)
    # shared prefix (the start token and the words left of the gap) is run once
    n = 0
    while all(len(s) > n + 1 for s in ids) and len({s[n] for s in ids}) == 1:
        n += 1
    n = max(n, 1)
    yield Progress(0.05, f"scoring {len(words)} candidate sentences")
    job = lm.score_continuations(ids[0][:n], [s[n:] for s in ids], batch_size=batch_size)
    scores = yield from scaled(job, 0.05, 1.0)
    probs = np.exp(scores - scores.max())
    probs /= probs.sum()
    merged: dict[str, list] = {}
    for w, s, p, sent in zip(words, scores, probs, sentences):
        key = w.lower()
        if key not in merged:
            merged[key] = [w, float(s), 0.0, sent]
        entry = merged[key]
        entry[2] += float(p)
        if s > entry[1]:
            entry[0], entry[1], entry[3] = w, float(s), sent
    ranked = sorted(merged.values(), key=lambda e: -e[2])[:top]
    return [Fill(word=w, prob=p, logprob=s, sentence=sent) for w, s, p, sent in ranked]


@dataclass(frozen=True)
class Fills:
    """The ranked candidates for one sentence (what the masked-word panel shows)."""

    sentence: str
    fills: tuple[Fill, ...]
    explanation: str = MASKED_FILL_EXPLAINED


def fill_in(sentence: str, word: str) -> str:
    """The sentence with ``word`` in place of its ``[MASK]``."""
    return sentence.replace(MASK, word, 1)


def fills_job(lm: LanguageModel, sentence: str, **options) -> Job[Fills]:
    """:func:`fill_mask` as a job that returns a :class:`Fills`."""
    fills = yield from fill_mask(lm, sentence, **options)
    return Fills(sentence, tuple(fills))
