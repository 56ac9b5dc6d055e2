"""The Recurrent state panel's model (Qt-free): two texts read by the GRU, their paths of h in 3D;
and the GRU's next words for the Next word prompt (``.next``), shown beside SmolLM2's bars.

Nested in ``session.language`` as ``.recurrent``; gui/controllers/recurrent_controller.py keeps
``paths`` in step with ``texts`` off the GUI thread once the panel has been shown, and ``next`` in
step with ``session.language.prompt`` once the Next word panel has been shown.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from psygnal import evented

from .language_views import Activity

if TYPE_CHECKING:  # results; importing the Session opens no model
    from ..inference.passage_index import Hits
    from ..inference.rnn import Reading
    from ..projections.state_paths import RecurrentPaths

EXAMPLE = ("let's eat, Charles", "let's eat Charles")


def _same(a: Any, b: Any) -> bool:
    return a is b


@evented(equality_operators={"reading": _same})
@dataclass
class RecurrentNext:
    """The Next word prompt read by the GRU: its top next words, for bars beside SmolLM2's."""

    reading: Reading | None = None  # the prompt's reading (steps[-1].top: the next words)
    activity: Activity | None = None
    problem: str = ""  # an empty prompt, only unknown words, no model built: said under the bars


@evented(equality_operators={"hits": _same})
@dataclass
class RecurrentSearch:
    """Semantic search's query over its passages, ranked by the GRU's states as well (when ``on``)."""

    on: bool = False  # the search panel's "also with the GRU" box
    hits: Hits | None = None  # the GRU's (centred mean state) hits for the query (RecurrentSearchController)
    activity: Activity | None = None
    problem: str = ""


@evented(equality_operators={"paths": _same})
@dataclass
class RecurrentState:
    """Two texts (the second may be empty) and the state's path through each (RecurrentController)."""

    active: bool = False  # the panel has been shown: the network is opened only then
    texts: tuple[str, str] = EXAMPLE
    step: int = -1  # the slider: the paths drawn up to this step (-1: to the end)
    paths: RecurrentPaths | None = None
    activity: Activity | None = None
    cancel: int = 0  # the panel's Cancel adds one: the running job stops (gui.controllers.job.RoomJob)
    problem: str = ""  # an expected problem (empty text, only unknown words, no model), shown inline
    next: RecurrentNext = field(default_factory=RecurrentNext)
    open_words: int = 0  # "Open its word vectors" pressed (a counter): the input embeddings become the active set
    search: RecurrentSearch = field(default_factory=RecurrentSearch)
