"""The one evented state every panel observes (Qt-free): small models nested in a Session.

    session.neighbours.events.query.connect(on_query_changed)
    session.neighbours.query = "king"     # fires only if the value really changed
    session.embeddings = es               # or set_embeddings(es): also clears what indexed the old set

Each room keeps its own model (neighbours, arithmetic, directions, cloud); what they share
(the active set, the selection, the hovered word, the status line) sits on the Session.
Inputs are plain fields that panels write. Results (``lookup``, ``outcome``, ``layout``) are
computed by controllers (gui/controllers) and by the cloud, and stored here whole: one
field per result, so no field has to be set before another, and a result exists whether
or not the panel that shows it is open. Only the GUI thread changes the Session.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from psygnal import evented

from ..embeddings.arithmetic import ArithmeticResult, Outcome
from ..embeddings.directions import DirectionScores
from ..embeddings.embedding_set import EmbeddingSet
from ..embeddings.neighbours import Lookup
from ..embeddings.search.base import Engines, SearchBackend
from ..projections.layout import Layout


def _same(a: Any, b: Any) -> bool:
    """Results compare by identity: a new result object is news even if it holds equal values."""
    return a is b


@evented(equality_operators={"lookup": _same, "engines": _same})
@dataclass
class NeighboursModel:
    """Nearest neighbours of a typed word, and the search backend that finds them."""

    query: str = ""  # what the user typed
    metric: str = "cos"  # cos | euclid | dot
    k: int = 10
    restrict: int = 0  # search only the N most frequent words; 0 = the whole vocabulary
    backend: str = "exact"  # exact | hnsw | milvus: the user's choice (the calculator and benchmarks use it too)
    lookup: Lookup | None = None  # result for `query` with these settings (NeighboursController)
    engines: Engines | None = None  # the backends at hand for the open set (BackendController)

    def chosen_backend(self) -> SearchBackend | None:
        """The backend to ask (None: exact search); a Milvus collection opened by itself is always asked."""
        return self.engines.get(self.backend) if self.engines is not None else None


@evented(equality_operators={"outcome": _same})
@dataclass
class ArithmeticModel:
    """Word arithmetic: ``king - man + woman`` or ``man : king :: woman : ?``."""

    expression: str = ""
    method: str = "add"  # add (3CosAdd) | mul (3CosMul)
    exclude_inputs: bool = True
    outcome: Outcome | None = None  # result or problem for `expression` (ArithmeticController)

    @property
    def result(self) -> ArithmeticResult | None:
        return self.outcome.result if self.outcome is not None else None


@evented(equality_operators={"outcome": _same})
@dataclass
class DirectionsModel:
    """A semantic direction from word pairs, and words placed along it."""

    pairs: str = "cat -> cats, dog -> dogs, car -> cars, house -> houses"
    probes: str = "one, two, three, four, five"
    orthogonal: str = ""  # a preset whose direction is removed from this one ("" = none)
    outcome: DirectionScores | None = None  # (DirectionsController)


@evented(equality_operators={"layout": _same})
@dataclass
class CloudModel:
    """The 3D point cloud: which words, how they are projected and coloured, and the layout shown."""

    point_count: int = 10000  # the N most frequent words (plus words in use)
    method: str = "pca"  # pca | tsne | umap | axes
    params: tuple[tuple[str, Any], ...] = ()
    color_by: str = "frequency"  # frequency | clusters | meta:<column>
    layout: Layout | None = None  # the finished projection on screen (the cloud panel)


@evented(equality_operators={"embeddings": _same})
@dataclass
class Session:
    embeddings: EmbeddingSet | None = None  # the active set
    selection: tuple[int, ...] = ()  # rows of `embeddings`, linked across panels
    hover: int = -1  # the row under the pointer, -1 for none
    status: str = ""  # the status bar's message
    neighbours: NeighboursModel = field(default_factory=NeighboursModel)
    arithmetic: ArithmeticModel = field(default_factory=ArithmeticModel)
    directions: DirectionsModel = field(default_factory=DirectionsModel)
    cloud: CloudModel = field(default_factory=CloudModel)

    def set_embeddings(self, es: EmbeddingSet | None) -> None:
        """Switch sets: selections and results that index the old set are cleared first."""
        self.selection = ()
        self.hover = -1
        self.neighbours.lookup = None
        self.neighbours.engines = None
        self.arithmetic.outcome = None
        self.directions.outcome = None
        self.cloud.layout = None
        self.embeddings = es

    def select_words(self, words: list[str]) -> None:
        """Select these words (those in the vocabulary)."""
        es = self.embeddings
        if es is None:
            return
        self.selection = tuple(r.index for r in (es.find(w) for w in words) if r is not None)
