"""The attention inspection graphs (models/build_attention.py): SmolLM2-135M and all-MiniLM-L6-v2
with every head's attention weights out, and two inputs that default to doing nothing: a head mask
(1 = on) and a per-layer residual addition (steering).

    m = registry.open(registry.ATTENTION)
    out = m.lm_pass(ids)                            # logits (last position), attentions, hidden_states, ...
    out = m.lm_pass(ids, intervention=Intervention.of(ablate=[(3, 1)]))
    out = m.encoder_pass(m.encoder_tokenizer.encode_ids("The cat sat."))

The shipped next-word graphs never run these files: a plain step pays nothing for them.
:class:`InterventionDecoder` is the step interface of core.inference.trace over this graph, so
generation (``generate_steps``) runs with heads off or a steering vector, one cached step at a time.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from .language_model import read_decoder_config
from .model import OnnxModel
from .tokenizer import Token, Tokenizer

LM_OUTPUTS = ("logits", "attentions", "hidden_states", "value_norms", "present_kv")
ENCODER_OUTPUTS = ("attentions", "hidden_states", "value_norms")


@dataclass(frozen=True)
class Intervention:
    """What is changed inside the language model: heads switched off and one steering vector.

    ``ablate``: (layer, head) pairs, numbered from 0; ``steer``: a (hidden,) vector added to the
    residual stream that ``steer_layer`` reads, at every position. The empty intervention changes nothing."""

    ablate: frozenset[tuple[int, int]] = frozenset()
    steer_layer: int = 0
    steer: np.ndarray | None = field(default=None, compare=False)

    @classmethod
    def of(cls, ablate: Iterable[tuple[int, int]] = (), steer_layer: int = 0,
           steer: np.ndarray | None = None) -> Intervention:
        return cls(frozenset((int(a), int(b)) for a, b in ablate), int(steer_layer), steer)

    @property
    def empty(self) -> bool:
        return not self.ablate and (self.steer is None or not np.any(self.steer))

    def describe(self) -> str:
        parts = []
        if self.ablate:
            heads = sorted(self.ablate)
            shown = ", ".join(f"L{a}.H{b}" for a, b in heads[:6]) + (" …" if len(heads) > 6 else "")
            parts.append(f"{len(heads)} head{'s' if len(heads) != 1 else ''} off ({shown})")
        if self.steer is not None and np.any(self.steer):
            parts.append(f"steering at layer {self.steer_layer} (|v| {float(np.linalg.norm(self.steer)):.1f})")
        return "; ".join(parts) or "no intervention"


NONE = Intervention()


class AttentionModel(OnnxModel):
    """Both inspection graphs of the ``attention`` model folder."""

    kind = "attention"

    def __init__(self, model_dir: str | Path, manifest: dict, **runtime) -> None:
        super().__init__(model_dir, manifest, **runtime)
        read_decoder_config(self)
        self.n_heads = self.setting("config", "n_heads")
        self.encoder_layers = self.setting("encoder_config", "n_layers")
        self.encoder_heads = self.setting("encoder_config", "n_heads")
        self.encoder_hidden = self.setting("encoder_config", "hidden_size")
        self.encoder_max_tokens = self.setting("encoder_config", "max_tokens", default=256)
        self._encoder_tokenizer: Tokenizer | None = None

    @property
    def encoder_tokenizer(self) -> Tokenizer:
        if self._encoder_tokenizer is None:
            self._encoder_tokenizer = Tokenizer(self.file("encoder_tokenizer"))
        return self._encoder_tokenizer

    # -- checks with clear messages
    def check_head(self, layer: int, head: int, *, encoder: bool = False) -> None:
        layers, heads = (self.encoder_layers, self.encoder_heads) if encoder else (self.n_layers, self.n_heads)
        name = "all-MiniLM-L6-v2" if encoder else "SmolLM2-135M"
        if not (0 <= layer < layers and 0 <= head < heads):
            raise InputError(f"there is no head L{layer}.H{head}: {name} has layers 0–{layers - 1} and heads "
                             f"0–{heads - 1} in each (numbered from 0)")

    def feeds(self, intervention: Intervention, batch: int, *, encoder: bool = False) -> dict[str, np.ndarray]:
        """The head mask and steering inputs for ``intervention`` (ones and zeros when it is empty)."""
        layers, heads, width = ((self.encoder_layers, self.encoder_heads, self.encoder_hidden) if encoder
                                else (self.n_layers, self.n_heads, self.hidden_size))
        mask = np.ones((batch, layers, heads), np.float32)
        for layer, head in intervention.ablate:
            self.check_head(layer, head, encoder=encoder)
            mask[:, layer, head] = 0.0
        steer = np.zeros((batch, layers, width), np.float32)
        if intervention.steer is not None:
            if not 0 <= intervention.steer_layer < layers:
                raise InputError(f"there is no layer {intervention.steer_layer} to steer at: layers are numbered "
                                 f"0–{layers - 1}")
            vec = np.asarray(intervention.steer, np.float32).reshape(-1)
            if vec.shape != (width,):
                raise InputError(f"a steering vector has {width} values here, not {vec.size}")
            steer[:, intervention.steer_layer] = vec
        return {"head_mask": mask, "steer": steer}

    # -- passes
    def empty_cache(self, batch: int = 1) -> np.ndarray:
        return np.zeros((self.n_layers, 2, batch, self.n_kv_heads, 0, self.head_dim), np.float32)

    def lm_pass(self, ids, *, intervention: Intervention = NONE, past: np.ndarray | None = None,
                logits_at: Sequence[int] | None = None, outputs: Sequence[str] = LM_OUTPUTS) -> dict[str, np.ndarray]:
        """One pass of the decoder over ``ids`` (seq,) or (batch, seq) after ``past`` (None: from the
        start); logits at ``logits_at`` (default: the last new position)."""
        ids = np.ascontiguousarray(np.atleast_2d(ids), dtype=np.int64)
        past = self.empty_cache(ids.shape[0]) if past is None else np.ascontiguousarray(past, np.float32)
        if ids.shape[1] + past.shape[4] > self.max_positions:
            raise InputError(f"the text is {ids.shape[1] + past.shape[4]:,} tokens long; SmolLM2-135M reads at most "
                             f"{self.max_positions:,}")
        at = np.asarray([ids.shape[1] - 1] if logits_at is None else list(logits_at), np.int64)
        feeds = {"input_ids": ids, "past_kv": past, "logits_at": at, **self.feeds(intervention, ids.shape[0])}
        return self.run(list(outputs), feeds)

    def encoder_pass(self, ids, *, intervention: Intervention = NONE,
                     outputs: Sequence[str] = ENCODER_OUTPUTS) -> dict[str, np.ndarray]:
        ids = np.ascontiguousarray(np.atleast_2d(ids), dtype=np.int64)
        feeds = {"input_ids": ids, **self.feeds(intervention, ids.shape[0], encoder=True)}
        return self.run(list(outputs), feeds, self.open_role("encoder"))


class InterventionDecoder:
    """The step interface of core.inference.trace (like LanguageModel's) over the inspection graph
    with one :class:`Intervention` held fixed: reading, appending and generating run with it."""

    precisions = ("fp32",)

    def __init__(self, model: AttentionModel, intervention: Intervention = NONE) -> None:
        self.model = model
        self.intervention = intervention
        self.name = model.name
        self.display_name = "SmolLM2-135M"
        self.tokenizer = model.tokenizer
        self.vocab_size = model.vocab_size
        self.bos_id = model.bos_id
        self.eos_id = model.eos_id
        self.max_positions = model.max_positions
        model.feeds(intervention, 1)  # a head or layer that does not exist is said now

    @property
    def provider(self) -> str:
        return self.model.provider

    @property
    def notice(self) -> str | None:
        return self.model.notice

    def tokenize(self, text: str) -> list[Token]:
        return self.tokenizer.encode(text)

    def extend(self, ids, cache, precision: str = "fp32", *, last_only: bool = False
               ) -> tuple[np.ndarray, np.ndarray, str]:
        ids = np.array([list(ids)], np.int64)
        out = self.model.lm_pass(ids, intervention=self.intervention, past=cache,
                                 logits_at=range(ids.shape[1]), outputs=("logits", "present_kv"))
        return out["logits"][0], out["present_kv"], "fp32"

    @staticmethod
    def cache_length(cache: np.ndarray | None) -> int:
        return 0 if cache is None else int(cache.shape[4])

    @staticmethod
    def truncate(cache: np.ndarray | None, length: int) -> np.ndarray | None:
        return cache[:, :, :, :, :length] if cache is not None and length > 0 else None
