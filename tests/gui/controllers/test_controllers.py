"""Controllers compute results into the Session with no panel built: neighbours (and the selection),
arithmetic outcomes, directions; a burst of changes makes one request and stale results are dropped."""
from __future__ import annotations

from tests.gui.conftest import found, scores, wait_idle


def test_neighbours_arithmetic_and_directions_without_panels(qtbot, session, runner, controllers):
    session.neighbours.query = "paris"
    session.arithmetic.expression = "king - man + woman"
    session.directions.probes = "one, two, zzzqx"
    wait_idle(qtbot, runner)
    assert found(session)[0].word == "france"
    assert session.selection == session.neighbours.lookup.rows and len(session.selection) == 11
    assert session.arithmetic.result.best.word == "queen"
    assert [w for w, _ in scores(session)] == ["one", "two"]
    assert session.directions.outcome.unknown == ("zzzqx",)


def test_settings_reach_the_results(qtbot, session, runner, controllers):
    session.neighbours.query = "king"
    session.neighbours.k = 3
    session.neighbours.metric = "euclid"
    wait_idle(qtbot, runner)
    ns = found(session)
    assert len(ns) == 3 and [n.score for n in ns] == sorted(n.score for n in ns)
    session.arithmetic.expression = "man : king :: woman : ?"
    session.arithmetic.method = "mul"
    wait_idle(qtbot, runner)
    assert session.arithmetic.result.method == "mul" and session.arithmetic.result.best.word == "queen"


def test_a_burst_makes_one_request_and_the_last_query_wins(qtbot, session, runner, controllers):
    started = []
    runner.started.connect(lambda kind, label: started.append(kind))
    for w in ("cat", "dog", "house", "river"):
        session.neighbours.query = w
    wait_idle(qtbot, runner)
    assert started.count("neighbours") == 1
    assert session.neighbours.lookup.query == "river" and session.selection[0] == session.embeddings.id_of("river")


def test_problems_are_results_too(qtbot, session, runner, controllers):
    session.arithmetic.expression = "king - - woman"
    session.directions.pairs = "cat cats"
    session.neighbours.query = "kingg"
    wait_idle(qtbot, runner)
    assert session.arithmetic.result is None and session.arithmetic.outcome.column == 8
    assert "expected 'from -> to'" in session.directions.outcome.error
    assert session.neighbours.lookup.error is not None and session.selection == ()


def test_a_new_set_recomputes_everything(qtbot, session, runner, controllers, glove_small):
    session.neighbours.query = "king"
    session.arithmetic.expression = "king - man + woman"
    wait_idle(qtbot, runner)
    small = glove_small.subset(range(3000), name="GloVe 3k")
    session.set_embeddings(small)
    assert session.neighbours.lookup is None
    wait_idle(qtbot, runner)
    assert session.neighbours.lookup is not None and all(n.index < 3000 for n in found(session))
    assert session.arithmetic.result is not None


def test_a_result_for_the_previous_set_is_dropped(qtbot, session, runner, controllers, glove_small):
    """Found by the monkey: a lookup or outcome computed on the previous set that landed in the 30 ms
    before the debounced request for the new set started was stored, and the cloud placed its rows
    (from a 20,000-word set) in a 400-word one: IndexError."""
    session.neighbours.query = "year"
    session.arithmetic.expression = "king - man + woman"
    wait_idle(qtbot, runner)
    old, lookup, outcome = session.embeddings, session.neighbours.lookup, session.arithmetic.outcome
    assert max(lookup.rows) >= 400 or max(outcome.result.input_ids) >= 400
    session.set_embeddings(glove_small.subset(range(400), name="400 words"))
    controllers.neighbours._on_lookup(lookup, old)  # as if the old jobs had just returned
    controllers.arithmetic._on_outcome(outcome, old)
    assert session.neighbours.lookup is None and session.arithmetic.outcome is None and session.selection == ()
    wait_idle(qtbot, runner)
    assert all(r < 400 for r in session.neighbours.lookup.rows)
    assert session.arithmetic.outcome is not None and session.arithmetic.outcome.text == "king - man + woman"


def test_the_language_controller_without_panels(qtbot, session, runner, controllers, tiny_decoder):
    m = session.language
    m.model_path = tiny_decoder("split")
    m.prompt = "Once upon a"
    qtbot.wait(100)
    assert m.trace is None and not runner.is_running()  # nothing opens before a panel is drawn (or asked)
    m.active = True
    qtbot.waitUntil(lambda: m.current and m.view is not None, timeout=30000)
    first = m.view.top[0].id
    m.appended = (first, 5)
    qtbot.waitUntil(lambda: m.current, timeout=30000)
    assert m.trace.appended == (first, 5) and m.trace.steps[0].rank == 1
    m.precision = "fp32"  # another precision: the text is read again, the appended tokens kept
    qtbot.waitUntil(lambda: m.current, timeout=30000)
    assert m.trace.precision == "fp32" and m.trace.appended == (first, 5)
    m.appended = (first,)
    qtbot.waitUntil(lambda: m.current, timeout=1000)
    assert m.view.bars[0].id == m.view.top[0].id and m.trace.length == len(m.trace.tokens) + 1
