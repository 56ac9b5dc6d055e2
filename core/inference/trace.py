"""A text as a decoder has read it, step by step: the prompt's tokens, the tokens appended after
it (each with the probability and rank it had when chosen), the logits for the next token and the
key/value cache that makes the next step one position of work.

Traces are values: appending or undoing makes a new one and never changes the old (caches are
numpy arrays nobody writes to), so a window can keep one while a worker computes the next.

    trace = run_sync(read_prompt(decoder, "Once upon a"))    # chunked, cancellable between chunks
    trace = append(trace, [trace_top_id])                      # one cached pass
    trace = undo(trace)                                        # no model call: the cache is cut back
    trace = run_sync(generate_steps(trace, 20, Sampling(seed=0)))  # Progress.payload: each new trace

Any decoder with this small interface works (:class:`Decoder`): the built SmolLM2
(core.inference.language_model) and Optimum-layout folders (core.inference.decoder).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from ..errors import InputError
from ..progress import Job, Progress
from .sampling import PLAIN, Sampling, draw, log_softmax
from .tokenizer import Token, Tokenizer

CHUNK = 64  # prompt tokens per pass: a long paste is read in passes, cancellable between them
ROOM = 64  # tokens kept free for generating when a prompt is cut to the context


class Decoder(Protocol):
    """What a trace needs of a model (LanguageModel and OptimumDecoder have it)."""

    name: str
    display_name: str
    tokenizer: Tokenizer
    vocab_size: int
    bos_id: int | None
    eos_id: int
    max_positions: int | None  # None: unknown
    precisions: tuple[str, ...]  # what ``precision=`` accepts: ("auto", "fp32", "q4") or ("fp32",)

    @property
    def provider(self) -> str: ...

    @property
    def notice(self) -> str | None: ...

    def tokenize(self, text: str) -> list[Token]: ...

    def extend(self, ids: Sequence[int], cache: Any, precision: str, *, last_only: bool = False
               ) -> tuple[np.ndarray, Any, str]:
        """Run ``ids`` after ``cache`` (None: from the start): logits (len(ids), vocab; ``last_only``: at least
        the last position's, last), the new cache, and which files answered ("fp32" / "q4" / "fast")."""

    def cache_length(self, cache: Any) -> int: ...

    def truncate(self, cache: Any, length: int) -> Any: ...


@dataclass(frozen=True, eq=False)
class Step:
    token: Token
    prob: float  # its probability under the sampling when it was chosen
    rank: int  # 1 = the most likely token then
    logits: np.ndarray = field(repr=False)  # the distribution it was chosen from (undo restores it)

    @property
    def model_prob(self) -> float:
        """Its probability under the plain softmax (temperature 1, nothing cut)."""
        return float(np.exp(log_softmax(self.logits)[self.token.id]))


@dataclass(frozen=True, eq=False)
class Trace:
    decoder: Decoder = field(repr=False)
    prompt: str
    tokens: tuple[Token, ...]  # the prompt as read (start token first; after a cut, its tail)
    steps: tuple[Step, ...]  # tokens appended after the prompt
    logits: np.ndarray = field(repr=False)  # (vocab,) for the token after the last one
    cache: Any = field(repr=False)
    precision: str = "auto"  # asked for
    answered: str = "fp32"  # the files that computed ``logits``
    cut: int = 0  # prompt tokens left out at the start to fit the model's context
    note: str = ""  # how the prompt was cut to the context ("" when it was not)
    stopped: str = ""  # why generating stopped early (the end-of-text token); cleared by the next step

    @property
    def appended(self) -> tuple[int, ...]:
        return tuple(s.token.id for s in self.steps)

    @property
    def length(self) -> int:
        """Positions in the cache: the prompt's tokens and the appended ones."""
        return len(self.tokens) + len(self.steps)

    @property
    def generated_text(self) -> str:
        return self.decoder.tokenizer.decode(list(self.appended))

    @property
    def text(self) -> str:
        return self.prompt + self.generated_text


def rank_of(logits: np.ndarray, token_id: int) -> int:
    return 1 + int((logits > logits[token_id]).sum())


def fit_context(decoder: Decoder, tokens: list[Token], text_chars: int) -> tuple[list[Token], int, str]:
    """Cut a prompt longer than the model's context: keep the start token and the last tokens,
    leaving :data:`ROOM` for generating. Returns the tokens, how many were left out, and a note."""
    limit = decoder.max_positions
    if not limit or len(tokens) <= limit:
        return tokens, 0, ""
    start = tokens[:1] if decoder.bos_id is not None and tokens[0].id == decoder.bos_id else []
    keep = max(1, limit - min(ROOM, limit // 4) - len(start))
    cut = len(tokens) - len(start) - keep
    note = (f"the prompt ({text_chars:,} characters) is {len(tokens):,} tokens; {decoder.display_name} reads at "
            f"most {limit:,}: the first {cut:,} are left out" + (", the start token and " if start else "; ")
            + f"the last {keep:,} are read")
    return start + tokens[-keep:], cut, note


def read_prompt(decoder: Decoder, text: str, *, precision: str = "auto", reuse: Trace | None = None,
                chunk: int = CHUNK) -> Job[Trace]:
    """Read ``text`` (start token first): a job that yields between passes of ``chunk`` tokens.

    ``reuse``: an earlier trace of the same decoder; the tokens it shares with this prompt at the
    start are not run again (typing at the end of a prompt costs one or two positions)."""
    tokens = decoder.tokenize(text)
    if not tokens:
        raise InputError(f"{decoder.display_name} has no start token: type at least one character")
    tokens, cut, note = fit_context(decoder, tokens, len(text))
    ids = [t.id for t in tokens]
    cache, done = None, 0
    if reuse is not None and reuse.decoder is decoder and reuse.precision == precision and not cut and not reuse.cut:
        seen = [t.id for t in reuse.tokens] + list(reuse.appended)
        while done < min(len(seen), len(ids) - 1) and seen[done] == ids[done]:
            done += 1
        cache = decoder.truncate(reuse.cache, done) if done else None
    logits, label, total = None, "fp32", len(ids) - done
    while done < len(ids):
        n = min(chunk, len(ids) - done)
        out, cache, label = decoder.extend(ids[done : done + n], cache, precision, last_only=True)
        logits = out[-1]
        done += n
        if total > chunk:
            yield Progress(1 - (len(ids) - done) / total, f"read {done:,} of {len(ids):,} prompt tokens")
    return Trace(decoder, text, tuple(tokens), (), np.asarray(logits, np.float32), cache, precision, label, cut, note)


def append(trace: Trace, ids: Sequence[int], sampling: Sampling = PLAIN, *, probs: np.ndarray | None = None
           ) -> Trace:
    """Append tokens (one cached pass for all of them); each step records its probability under
    ``sampling`` and its rank in the distribution it came from (``probs``: ``sampling.probs(trace.logits)``,
    when the caller has it already)."""
    dec = trace.decoder
    ids = [int(i) for i in ids]
    if not ids:
        return trace
    for tid in ids:
        if not 0 <= tid < dec.vocab_size:
            raise InputError(f"token id {tid} is outside the vocabulary (0..{dec.vocab_size - 1})")
    if dec.max_positions and trace.length + len(ids) > dec.max_positions:
        raise InputError(f"the context is full: {dec.display_name} reads at most {dec.max_positions:,} tokens; "
                         "undo some steps or shorten the prompt")
    out, cache, label = dec.extend(ids, trace.cache, trace.precision)
    tok, steps, before = dec.tokenizer, list(trace.steps), trace.logits
    for i, tid in enumerate(ids):
        p = probs if i == 0 and probs is not None else sampling.probs(before)
        steps.append(Step(Token(tid, tok.token(tid), tok.text(tid), -1, -1), float(p[tid]), rank_of(before, tid),
                          before))
        before = np.asarray(out[i], np.float32)
    return replace(trace, steps=tuple(steps), logits=before, cache=cache, answered=label, stopped="")


def undo(trace: Trace, n: int = 1) -> Trace:
    """Take back the last ``n`` appended tokens: no model call (the cache is cut back, the logits
    they were chosen from restored)."""
    n = min(int(n), len(trace.steps))
    if n <= 0:
        return trace
    back = trace.steps[-n]
    cache = trace.decoder.truncate(trace.cache, trace.length - n)
    return replace(trace, steps=trace.steps[:-n], logits=back.logits, cache=cache, stopped="")


def settle(decoder: Decoder, trace: Trace | None, prompt: str, appended: Sequence[int], *, precision: str = "auto",
           sampling: Sampling = PLAIN) -> Job[Trace]:
    """The trace for ``prompt`` followed by ``appended``, from ``trace`` with as little work as can be."""
    appended = tuple(int(i) for i in appended)
    if trace is None or trace.decoder is not decoder or trace.precision != precision or trace.prompt != prompt:
        trace = yield from read_prompt(decoder, prompt, precision=precision, reuse=trace)
    have = trace.appended
    same = 0
    while same < min(len(have), len(appended)) and have[same] == appended[same]:
        same += 1
    return append(undo(trace, len(have) - same), appended[same:], sampling)


def generate_steps(trace: Trace, n: int, sampling: Sampling = PLAIN, *, stop_at_eos: bool = True) -> Job[Trace]:
    """Sample ``n`` tokens one cached step at a time (each drawn with :func:`draw`, seeded by
    ``sampling.seed`` and its step number); ``Progress.payload`` is each new trace."""
    for i in range(int(n)):
        probs = sampling.probs(trace.logits)
        tid = draw(probs, sampling.seed, len(trace.steps))
        if stop_at_eos and tid == trace.decoder.eos_id:
            name = trace.decoder.tokenizer.readable(tid)
            return replace(trace, stopped=f"stopped at the end-of-text token {name}")
        trace = append(trace, [tid], sampling, probs=probs)
        yield Progress((i + 1) / n, trace.steps[-1].token.text, payload=trace)
    return trace
