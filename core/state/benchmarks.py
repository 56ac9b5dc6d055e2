"""The benchmarks (Qt-free): which one to run, a press of Run, and its result (``session.benchmarks``).

The benchmarks panel writes the inputs and counts Run and Cancel; the BenchmarksController
(gui/controllers/benchmarks_controller.py) runs the job and stores the result, its progress and
its expected problems here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from psygnal import evented

from .language_views import Activity

if TYPE_CHECKING:  # the result types; importing the Session runs no benchmark
    from ..embeddings.evaluation import AnalogyResult, PairResult

DATASETS = {"analogies": "Google analogies (19,544)", "ws353": "WordSim-353", "simlex": "SimLex-999"}
CANCELLED = "cancelled"  # ``problem`` after Cancel: the panel says so without an error


def _same(a: Any, b: Any) -> bool:
    return a is b


@evented(equality_operators={"result": _same})
@dataclass
class BenchmarksState:
    """The Google analogies, WordSim-353 or SimLex-999 on the active set."""

    dataset: str = "analogies"  # a key of DATASETS
    restrict: int = 30000  # use only the N most frequent words (gensim's restrict_vocab)
    method: str = "add"  # add (3CosAdd) | mul (3CosMul): analogies only
    run: int = 0  # Run pressed (a counter): run the benchmark with the inputs as they are
    cancel: int = 0  # Cancel pressed (a counter): the running benchmark stops
    result: AnalogyResult | PairResult | None = None  # the last finished run (BenchmarksController)
    activity: Activity | None = None  # the running benchmark's progress
    problem: str = ""  # an expected problem (no set open, a data file missing), or CANCELLED
