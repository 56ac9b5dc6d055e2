"""The Attention panel's model (Qt-free): every head's weights for the Next word prompt (SmolLM2)
and the same sentence in MiniLM, the head picked, what made the prediction, and the interventions
(heads switched off, a steering direction) with the bars and a generation they give.

Nested in ``session.language`` as ``.attention``; gui/controllers/attention_controller.py computes
``view``, ``encoder_view``, ``attribution``, ``steered``, ``found`` and ``generated`` off the GUI
thread once the panel has been shown.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from psygnal import evented

from .language_views import Activity

if TYPE_CHECKING:  # results; importing the Session opens no model
    from ..inference.attention import AttentionView
    from ..inference.attribution import Attribution
    from ..inference.distribution import Distribution

SOURCES = ("words", "prompts")  # where the steering direction comes from


def _same(a: Any, b: Any) -> bool:
    return a is b


@evented(equality_operators={"view": _same, "encoder_view": _same, "attribution": _same, "steered": _same,
                             "plain": _same, "decoder": _same, "masked_attribution": _same})
@dataclass
class AttentionState:
    active: bool = False  # the panel has been shown: the inspection graphs open only then
    layer: int = -1  # the head on show in the head view: -1 = none (the model view only)
    head: int = -1  # -1 with a layer: that layer's average
    hover: int = -1  # the query token under the pointer in the head view (-1: every row)
    score: str = "induction"  # the pattern score in the heatmap: previous_token | first_token | induction
    view: AttentionView | None = None  # SmolLM2 on session.language.prompt, with the interventions
    encoder_view: AttentionView | None = None  # all-MiniLM-L6-v2 on the same sentence
    target: int = -1  # the token whose prediction is explained (-1: the top one)
    attribution: Attribution | None = None
    ablated: tuple[tuple[int, int], ...] = ()  # heads switched off (layer, head)
    steer_source: str = "words"  # words | prompts
    steer_words: str = "sad->happy"  # FROM->TO[,FROM->TO…] on SmolLM2's token embeddings
    steer_prompts: tuple[str, str] = ("I love this. It is wonderful.", "I hate this. It is terrible.")
    steer_layer: int = 8
    steer_strength: float = 0.0  # multiples of the typical |h| at that layer; 0 = off
    plain: Distribution | None = None  # the next word without interventions
    steered: Distribution | None = None  # the next word with them (the same as plain when there are none)
    find: int = 0  # "find heads" pressed (a counter)
    found: tuple[tuple[int, int, float], ...] = ()  # (layer, head, drop in log p), the largest first
    generate: int = 0  # Generate pressed (a counter)
    generated: tuple[str, str] = ("", "")  # (without, with the interventions), greedy
    # the built SmolLM2 with the interventions in place (an InterventionDecoder) while any is on, else None:
    # the Next word bars, Sample and Generate read with it (LanguageController)
    decoder: Any = None
    # the Masked word panel's chosen (or best) word: what before the gap made it likely (shown there)
    masked_attribution: Attribution | None = None
    masked_note: str = ""  # why there is none (nothing before the gap), or that a word's first token is explained
    activity: Activity | None = None
    cancel: int = 0  # the panel's Cancel adds one (gui.controllers.job.RoomJob)
    problem: str = ""  # an expected problem (no model, a word not in the vocabulary, …), shown inline
