"""Step-by-step decoding with the built language model, over core.inference.trace.

    gen = start(lm, "Once upon a", temperature=0.7)
    gen.last.top[0].text          # " time"
    gen.step(gen.last.top[0].id)  # one cached pass: the distribution of the token after it
    text = run_sync(generate(lm, "Once upon a", 20, seed=0))

``generate`` draws each token with :func:`core.inference.sampling.draw` (seeded by the seed and
the step number): the same seed gives the same text here, in ``main.py generate`` and in the
window's Generate. Both take a :class:`Sampling` (``sampling=``) or its fields as keywords.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..progress import Job, Progress, run_sync
from .distribution import Distribution, render
from .language_model import LanguageModel
from .sampling import PLAIN, Sampling
from .tokenizer import Token
from .trace import Trace, append, generate_steps, read_prompt


@dataclass
class Generation:
    """Incremental decoding state: a :class:`Trace` and the :class:`Distribution` of its next token."""

    lm: LanguageModel
    prompt: str
    sampling: Sampling = PLAIN
    precision: str = "auto"  # requested: "auto" / "fp32" / "q4"; each Distribution says what answered
    n_top: int = 10
    trace: Trace | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.trace = run_sync(read_prompt(self.lm, self.prompt, precision=self.precision, chunk=1 << 30))

    @property
    def tokens(self) -> list[Token]:
        return [*self.trace.tokens, *(s.token for s in self.trace.steps)]

    @property
    def generated(self) -> list[int]:
        return list(self.trace.appended)

    @property
    def last(self) -> Distribution:
        return render(self.trace.logits, self.lm.tokenizer.text, self.sampling, n=self.n_top,
                      tokens=tuple(self.tokens), precision=self.trace.answered)

    @property
    def length(self) -> int:
        """Positions held in the cache."""
        return self.lm.cache_length(self.trace.cache)

    def step(self, token_id: int) -> Distribution:
        """Append one token; returns the distribution of the token after it (one cached pass)."""
        self.trace = append(self.trace, [token_id], self.sampling)
        return self.last

    def sample(self, rng: np.random.Generator | None = None) -> int:
        """Draw the next token id from the current (filtered) distribution."""
        rng = rng or np.random.default_rng()
        probs = self.sampling.probs(self.trace.logits)
        return int(rng.choice(len(probs), p=probs))

    @property
    def generated_text(self) -> str:
        return self.trace.generated_text

    @property
    def text(self) -> str:
        return self.trace.text


def start(lm: LanguageModel, text: str, *, precision: str | None = None, sampling: Sampling = PLAIN,
          n_top: int = 10, **fields) -> Generation:
    """Run the prompt once; the returned :class:`Generation` then steps one token at a time.
    ``fields``: Sampling's fields as keywords (``temperature=0``)."""
    return Generation(lm, text, replace(sampling, **fields), precision or lm.precision, n_top)


def generate(lm: LanguageModel, text: str, max_new_tokens: int = 20, *, sampling: Sampling | None = None,
             stop_at_eos: bool = True, precision: str | None = None, **fields) -> Job[str]:
    """Sample a continuation token by token (a job); returns the generated text. ``fields``: Sampling's
    fields as keywords; with no seed given (neither ``sampling`` nor ``seed=``), a fresh one each call."""
    if sampling is None and fields.get("seed") is None:
        fields["seed"] = int(np.random.SeedSequence().entropy) & 0xFFFFFFFF
    sampling = replace(sampling or PLAIN, **fields)
    trace = yield from read_prompt(lm, text, precision=precision or lm.precision)
    job = generate_steps(trace, max_new_tokens, sampling, stop_at_eos=stop_at_eos)
    while True:
        try:
            p = next(job)
        except StopIteration as stop:
            return stop.value.generated_text
        yield Progress(p.fraction, p.payload.generated_text, payload=p.payload.steps[-1].token.id)
