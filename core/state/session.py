"""The one evented state every panel observes (Qt-free).

    session.events.query.connect(on_query_changed)
    session.query = "king"        # fires only if the value really changed

Only the GUI thread changes the Session. Results of background work (neighbours,
arithmetic, projections) are stored here by whoever computed them, so panels
never call each other.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from psygnal import evented

from ..embeddings.arithmetic import ArithmeticResult
from ..embeddings.embedding_set import EmbeddingSet
from ..embeddings.neighbours import Neighbour


def _same_array(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return a is b or (np.shape(a) == np.shape(b) and np.array_equal(a, b))


@evented(equality_operators={"projection": _same_array, "embeddings": lambda a, b: a is b})
@dataclass
class Session:
    # -- the active embedding set -------------------------------------------------
    embeddings: EmbeddingSet | None = None

    # -- neighbours ---------------------------------------------------------------
    query: str = ""  # what the user typed
    metric: str = "cos"  # cos | euclid | dot
    k: int = 10
    restrict: int = 0  # 0 = the whole vocabulary
    neighbours: tuple[Neighbour, ...] = ()  # result for `query`
    query_note: str = ""  # "showing king for King", or the error for an unknown word

    # -- selection (row ids into `embeddings`), linked across panels --------------
    selection: tuple[int, ...] = ()
    hover: int = -1
    pinned: tuple[str, ...] = ()

    # -- word arithmetic ----------------------------------------------------------
    expression: str = ""
    arithmetic_method: str = "add"  # add (3CosAdd) | mul (3CosMul)
    exclude_inputs: bool = True
    arithmetic: ArithmeticResult | None = None
    expression_error: str = ""

    # -- semantic directions --------------------------------------------------------
    direction_pairs: str = "cat -> cats, dog -> dogs, car -> cars, house -> houses"
    direction_probes: str = "one, two, three, four, five"

    # -- 3D point cloud -------------------------------------------------------------
    point_count: int = 10000  # the N most frequent words
    projection_method: str = "pca"  # pca | tsne | umap | axes
    projection_params: tuple[tuple[str, Any], ...] = ()
    projection_rows: tuple[int, ...] = ()  # rows of `embeddings` that `projection` places
    projection: np.ndarray | None = None  # (len(projection_rows), 3) float32
    color_by: str = "frequency"

    # -- models ----------------------------------------------------------------
    provider: str = ""  # preferred onnxruntime execution provider ("" = best available)
    lm_text: str = "Once upon a"

    # -- status ------------------------------------------------------------------
    status: str = ""
    extras: dict[str, Any] = field(default_factory=dict)  # not evented; scratch for tools

    # -- appended by the main window / word panels (issue 3) ----------------------
    expression_error_column: int = 0  # 1-based column of `expression_error` (0 = none); set before it
    direction_orthogonal: str = ""  # preset whose direction is removed from the direction ("" = none)

    # -- helpers -------------------------------------------------------------------
    def set_embeddings(self, es: EmbeddingSet) -> None:
        """Switch sets: selections and results that index the old set are cleared."""
        self.selection = ()
        self.hover = -1
        self.neighbours = ()
        self.arithmetic = None
        self.projection = None
        self.projection_rows = ()
        self.embeddings = es

    def select_words(self, words: list[str]) -> None:
        es = self.embeddings
        if es is None:
            return
        ids = []
        for w in words:
            r = es.find(w)
            if r is not None:
                ids.append(r.index)
        self.selection = tuple(ids)
