"""Comparing two embedding sets (Qt-free): which two, a press of Compare, and the ranking
(``session.compare``).

The compare panel (or the train panel's "Compare with GloVe") writes ``a``, ``b`` and counts ``run``;
the CompareController (gui/controllers/compare_controller.py) opens both sets, runs
core.embeddings.compare on the task runner and stores the result here, with the arrows of the
words that moved most in the layout on show (``arrows``, layout coordinates), which the cloud draws.

A set is named by a source key (:func:`sources` lists those at hand):

* ``active``: the active set; ``glove``: the bundled GloVe (6B, 50d);
* ``epoch:last`` / ``epoch:<i>``: the word2vec run's latest epoch / its epoch record ``i``;
* ``other``: the other architecture's last epoch (after the train panel's Compare);
* ``tokens`` / ``tokens-q4``: SmolLM2-135M's token embeddings from its fp32 file / from its 4-bit copy
  (``model_q4.onnx``; :func:`token_sources` says why it is not at hand when it is not built).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from psygnal import evented

from .language_views import Activity

if TYPE_CHECKING:
    from ..embeddings.compare import Comparison
    from ..embeddings.embedding_set import EmbeddingSet
    from ..embeddings.training import TrainingRun

CANCELLED = "cancelled"
SORTS = {"moved": "moved most first", "overlap": "fewest shared neighbours first"}


def _same(a: Any, b: Any) -> bool:
    return a is b


TOKEN_PRECISIONS = {"tokens": "fp32", "tokens-q4": "q4"}  # a token source key -> token_embeddings' precision


def token_sources() -> list[tuple[str, str, str]]:
    """(key, label, why not) of SmolLM2's token embedding sets: why not is "" when the set can be read
    (the language model built; for ``tokens-q4`` its 4-bit copy built beside it)."""
    from ..inference import registry
    from ..inference.token_embeddings import q4_unavailable

    name = registry.LANGUAGE_MODEL
    if not registry.is_built(name):
        why = f"the language model {name} is not built"
        fp32 = q4 = why
    else:
        fp32, q4 = "", q4_unavailable()
    return [("tokens", "SmolLM2-135M token embeddings (fp32)", fp32),
            ("tokens-q4", "SmolLM2-135M token embeddings (4-bit copy)", q4)]


def sources(active: EmbeddingSet | None, run: TrainingRun | None, other: TrainingRun | None = None,
            tokens: list[tuple[str, str, str]] | None = None) -> list[tuple[str, str]]:
    """(key, label) of the sets that can be compared now (``tokens``: :func:`token_sources`' rows, of
    which those at hand are listed)."""
    out: list[tuple[str, str]] = []
    if active is not None:
        out.append(("active", f"the active set ({active.name})"))
    out.append(("glove", "GloVe 6B 50d (bundled)"))
    if run is not None and run.epochs:
        kind = run.settings.architecture
        out.append(("epoch:last", f"word2vec ({kind}), latest epoch ({run.epochs[-1].epoch})"))
        out += [(f"epoch:{i}", f"word2vec epoch {r.epoch}") for i, r in enumerate(run.epochs) if r.epoch > 0]
    if other is not None and other.epochs:
        out.append(("other", f"word2vec ({other.settings.architecture}), latest epoch"))
    out += [(key, label) for key, label, why in tokens or () if not why]
    return out


@evented(equality_operators={"result": _same, "arrows": _same})
@dataclass
class CompareState:
    """Two sets aligned on their shared words: the words that moved most and their neighbours' overlap."""

    a: str = "epoch:last"  # a source key (see sources()); the cloud's arrows start at this set's words
    b: str = "glove"
    k: int = 10  # nearest neighbours compared (Jaccard)
    sort: str = "moved"  # a key of SORTS: how the panel orders the ranking
    arrows_shown: int = 25  # the words that moved most drawn as arrows in the cloud (0: none)
    run: int = 0  # Compare pressed (a counter)
    cancel: int = 0  # Cancel pressed (a counter)
    result: Comparison | None = None  # the last finished comparison (CompareController)
    # the moves drawn in the cloud, in the layout's coordinates: ((word, start xyz, end xyz), ...)
    arrows: tuple[tuple[str, Any, Any], ...] = ()
    note: str = ""  # why no arrows are drawn, or how they were placed
    activity: Activity | None = None
    problem: str = ""  # an expected problem (too few shared words, a set missing), or CANCELLED
