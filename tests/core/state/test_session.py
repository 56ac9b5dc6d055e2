"""core.state.session: nested evented models; events fire only on real changes; switching sets
clears what indexed the old one; results are whole objects (no field has to be set before another)."""
from __future__ import annotations

from core.embeddings.arithmetic import evaluate_text
from core.embeddings.neighbours import lookup
from core.state.session import Session


def record(signal):
    seen = []
    signal.connect(lambda *args: seen.append(args))
    return seen


def test_an_event_fires_only_when_the_value_really_changes():
    s = Session()
    q = record(s.neighbours.events.query)
    s.neighbours.query = "king"
    s.neighbours.query = "king"
    s.neighbours.query = "queen"
    assert [a[0] for a in q] == ["king", "queen"]
    k = record(s.neighbours.events.k)
    s.neighbours.k = s.neighbours.k
    assert k == []


def test_rooms_are_independent():
    s = Session()
    other = [record(s.arithmetic.events.expression), record(s.directions.events.pairs),
             record(s.cloud.events.method), record(s.events.selection)]
    s.neighbours.query = "king"
    s.neighbours.metric = "dot"
    assert all(seen == [] for seen in other)


def test_results_compare_by_identity(glove_small):
    s = Session()
    seen = record(s.neighbours.events.lookup)
    a = lookup(glove_small, "king", 5)
    b = lookup(glove_small, "king", 5)
    s.neighbours.lookup = a
    s.neighbours.lookup = a
    s.neighbours.lookup = b  # equal values, a new result: panels redraw
    assert len(seen) == 2


def test_switching_sets_clears_what_indexed_the_old_one(glove_small):
    s = Session()
    s.set_embeddings(glove_small)
    s.neighbours.query = "king"
    s.neighbours.lookup = lookup(glove_small, "king", 5)
    s.selection = s.neighbours.lookup.rows
    s.hover = 3
    s.arithmetic.expression = "king - man + woman"
    s.arithmetic.outcome = evaluate_text(glove_small, s.arithmetic.expression)
    order = []
    s.events.selection.connect(lambda *_: order.append("selection"))
    s.neighbours.events.lookup.connect(lambda *_: order.append("lookup"))
    s.events.embeddings.connect(lambda *_: order.append("embeddings"))
    other = glove_small.subset(range(1000), name="small")
    s.set_embeddings(other)
    assert s.embeddings is other and s.selection == () and s.hover == -1
    assert s.neighbours.lookup is None and s.arithmetic.outcome is None and s.arithmetic.result is None
    assert s.neighbours.query == "king" and s.arithmetic.expression == "king - man + woman"  # inputs stay
    assert order[-1] == "embeddings" and set(order[:-1]) == {"selection", "lookup"}


def test_a_result_is_one_field(glove_small):
    """What a panel shows of a result comes from that one object: no second field to wait for."""
    s = Session()
    s.arithmetic.outcome = evaluate_text(glove_small, "king - - woman")
    assert s.arithmetic.result is None and s.arithmetic.outcome.column == 8
    s.arithmetic.outcome = evaluate_text(glove_small, "king - man + woman")
    assert s.arithmetic.result.best.word == "queen" and s.arithmetic.outcome.error == ""
    found = lookup(glove_small, "kingg")
    assert found.error is not None and "did you mean" in found.note and found.rows == ()


def test_select_words_skips_unknown_words(glove_small):
    s = Session()
    s.select_words(["king"])  # no set yet: nothing happens
    assert s.selection == ()
    s.set_embeddings(glove_small)
    s.select_words(["king", "notaword", "Queen"])
    assert s.selection == (glove_small.id_of("king"), glove_small.id_of("queen"))


def test_the_search_backend_choice_and_its_engines(glove_small):
    from core.embeddings.search.base import Engines
    from core.embeddings.search.exact import ExactBackend

    s = Session()
    s.set_embeddings(glove_small)
    assert s.neighbours.backend == "exact" and s.neighbours.chosen_backend() is None
    stand_in = ExactBackend(glove_small)
    seen = record(s.neighbours.events.engines)
    s.neighbours.engines = Engines(hnsw=stand_in)
    s.neighbours.backend = "hnsw"
    assert s.neighbours.chosen_backend() is stand_in
    s.neighbours.backend = "milvus"
    assert s.neighbours.chosen_backend() is None  # not there: exact search answers
    s.neighbours.engines = Engines(milvus=stand_in, remote=True)
    s.neighbours.backend = "exact"
    assert s.neighbours.chosen_backend() is stand_in  # a collection opened by itself answers every query
    s.set_embeddings(glove_small.subset(range(10)))
    assert s.neighbours.engines is None and len(seen) == 3


def test_borrowing_the_active_set_and_giving_it_back(glove_small):
    s = Session()
    s.set_embeddings(glove_small)
    digits, other = glove_small.subset(range(10)), glove_small.subset(range(20))
    assert s.lender("digits") is None and not s.give_back("digits")
    s.borrow("digits", digits)
    s.borrow("digits", other)  # a second loan keeps the first lender
    assert s.embeddings is other and s.lender("digits") is glove_small
    assert s.give_back("digits") and s.embeddings is glove_small
    assert s.lender("digits") is None and s.loans == ()
