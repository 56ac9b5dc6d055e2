"""Inside the language models: the logit lens, a word across layers, semantic search (Qt-free).

These are nested in ``session.language`` (``.lens``, ``.contextual``, ``.search``); controllers in
gui/controllers compute their results off the GUI thread and store them whole, one field each.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from psygnal import evented

from ..inference.contextual import PRESETS, Sentence

if TYPE_CHECKING:  # results; importing the Session opens no model
    from ..inference.contextual import Contextual
    from ..inference.lens import LogitLens
    from ..inference.passage_index import Hits, PassageIndex


def _same(a: Any, b: Any) -> bool:
    """Results compare by identity: a new result object is news even if it holds equal values."""
    return a is b


@dataclass(frozen=True)
class Activity:
    """What a room's model is doing now, for a progress bar: ``fraction`` 0..1, or -1 when unknown."""

    message: str
    fraction: float = -1.0


@evented(equality_operators={"lens": _same})
@dataclass
class LensState:
    """The logit lens of the next-word prompt (LensController): every layer x position's prediction."""

    active: bool = False  # the panel has been shown: the lens is computed only then
    position: int = -1  # the column the chart follows (-1: the last)
    cell: tuple[int, int] | None = None  # a clicked (layer, position): its top 10 are shown
    lens: LogitLens | None = None
    activity: Activity | None = None
    cancel: int = 0  # the panel's Cancel adds one: the running job stops (gui.controllers.job.RoomJob)
    problem: str = ""  # an expected problem (no model, an empty prompt), shown inline


@evented(equality_operators={"result": _same})
@dataclass
class ContextualState:
    """One word in several sentences, across the layers of SmolLM2 and MiniLM (ContextualController)."""

    active: bool = False
    word: str = "bank"
    sentences: tuple[Sentence, ...] = PRESETS["bank"]
    model: str = "smollm2"  # whose matrix and trajectories are shown: smollm2 | minilm
    layer: int = 12  # the matrix's layer (clipped to the model's depth)
    result: Contextual | None = None
    activity: Activity | None = None
    cancel: int = 0  # the panel's Cancel adds one: the running job stops (gui.controllers.job.RoomJob)
    problem: str = ""


@evented(equality_operators={"index": _same, "hits": _same})
@dataclass
class SearchState:
    """Semantic search over a corpus's passages with MiniLM (SearchController)."""

    active: bool = False
    corpus: str = ""  # "" = the default corpus (gensim's Lee news texts), else a file
    split: str = "auto"  # auto | lines | sentences | column:NAME
    query: str = ""
    k: int = 10
    index: PassageIndex | None = None  # the corpus encoded (or opened from the cache)
    hits: Hits | None = None  # the passages nearest to `query`
    activity: Activity | None = None
    cancel: int = 0  # the panel's Cancel adds one: the running job stops (gui.controllers.job.RoomJob)
    export: str = ""  # a file asked for: the passage vectors are written there as Projector TSV (then "" again)
    problem: str = ""  # a bad corpus file or query, shown inline
