"""Every guided example opens its workspace with its inputs and shows what its card promises; the start
page opens them; Ctrl+K finds panels, workspaces, examples and commands."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from core.inference import registry
from core.state.examples import EXAMPLES
from core.state.session import Session
from core.state.settings import Settings
from gui.main_window import MainWindow
from gui.widgets.spotlight import Spotlight
from gui.workspaces import docks_of

NEEDS = {"language": registry.LANGUAGE_MODEL, "network": registry.DIGITS}


def word(bar_or_neighbour) -> str:
    return getattr(bar_or_neighbour, "word", None) or getattr(bar_or_neighbour, "text", "")


def shows(name: str, s: Session) -> bool:
    """What the example's card promises, read from the Session."""
    lang = s.language
    if name == "king_queen":
        return s.arithmetic.outcome is not None and s.arithmetic.outcome.result.results[0].word == "queen"
    if name == "sushi_germany":
        res = s.arithmetic.outcome.result.results if s.arithmetic.outcome and s.arithmetic.outcome.result else []
        return len(res) >= 5 and not {"sushi", "japan", "germany"} & {n.word for n in res}
    if name == "plural":
        sc = dict(s.directions.outcome.scores) if s.directions.outcome else {}
        return sc.get("cats", 0) > sc.get("cat", 1) and sc.get("dogs", 0) > sc.get("dog", 1)
    if name == "tower":
        lk = s.neighbours.lookup
        return lk is not None and lk.query == "tower" and len(lk.neighbours) == s.neighbours.k
    if name in ("once_upon", "temperature"):
        v = lang.view
        return v is not None and lang.current and v.top[0].text.replace("\u2423", " ").strip() == "time" \
            and (name == "once_upon" or v.sampling.temperature == pytest.approx(1.6))
    if name == "capital_france":
        lens = lang.lens.lens
        return lens is not None and lens.tokenizer.text(int(lens.top_ids[-1, -1])).strip() == "Paris"
    if name == "mask_throne":
        f = lang.masked.fills
        return f is not None and {"king", "queen"} & {x.word.lower() for x in f.fills[:5]}
    if name == "bank":
        return lang.contextual.result is not None
    if name == "draw_seven":
        lay = s.activations.layers
        return lay is not None and lay.ok and lay.source.kind == "drawn" and lay.digit == 7
    if name == "digits_cloud":
        return s.embeddings is not None and len(s.embeddings) == 5000 and s.cloud.color_by == "meta:label"
    if name == "train_news":
        run = s.training.run
        return run is not None and len(run.epochs) >= 2
    if name == "search_news":
        h = lang.search.hits
        return h is not None and len(h.hits) >= 3 and any("fire" in x.text.lower() for x in h.hits[:3])
    raise AssertionError(f"no check for example {name}")


@pytest.fixture
def full_window(qtbot, glove, runner):
    session = Session()
    session.set_embeddings(glove)
    w = MainWindow(session, runner, settings=Settings(), persist=False)
    qtbot.addWidget(w)
    w.resize(1366, 728)
    w.show()
    qtbot.waitExposed(w)
    yield w
    session.training.request = None
    w.runner.shutdown()


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_each_example_opens_its_workspace_and_shows_what_it_promises(qtbot, full_window, name):
    ex = EXAMPLES[name]
    need = NEEDS.get(ex.workspace)
    if need and not registry.is_built(need):
        pytest.skip(f"{need} is not built (python main.py models build)")
    w, s = full_window, full_window.session
    w.open_example(name)
    assert w.workspaces.current == ex.workspace
    assert set(docks_of(ex.workspace)) <= {n for n, d in w.docks.items() if not d.isHidden()}
    look = w.panel(ex.focus_panel or ex.panel)
    target = look.findChild(QWidget, ex.focus) if ex.focus else look
    assert target is not None and target.findChild(Spotlight) is not None  # the thing to look at is lit
    assert ex.look in s.status
    qtbot.waitUntil(lambda: bool(shows(name, s)), timeout=120000)


def test_the_start_page_lists_every_example_and_opens_one(qtbot, window):
    window.show_start_page()
    page = window._start_page
    assert set(page.cards) == set(EXAMPLES)
    qtbot.mouseClick(page.cards["tower"].button, Qt.MouseButton.LeftButton)
    assert not page.isVisible()
    assert window.session.neighbours.query == "tower" and window.workspaces.current == "words"
    page.show_at_start.setChecked(False)
    assert window.settings.start_page is False


def test_ctrl_k_finds_panels_workspaces_examples_and_commands(qtbot, window):
    window.show()
    window.switch_workspace("words")
    window.find_action.trigger()
    box = window._find_box
    texts = lambda: [box.list.item(i).text() for i in range(box.list.count())]  # noqa: E731
    box.text.setText("lens")
    assert texts()[0] == "Panel: Logit lens" and any("logit lens" in t.lower() for t in texts()[1:])
    qtbot.keyClick(box.text, Qt.Key.Key_Return)
    assert window.workspaces.current == "language" and not window.docks["logit_lens"].isHidden()
    window.find_action.trigger()
    box = window._find_box
    box.text.setText("reset workspace")
    assert texts() == ["View ▸ Reset workspace"]
    box.text.setText("train")
    assert {"Workspace: Train", "Panel: Train word2vec", "Example: Train word2vec on the news"} <= set(texts())
    box.text.setText("zzzz-nothing")
    assert texts() == []
    qtbot.keyClick(box.text, Qt.Key.Key_Return)  # nothing to open: nothing happens


def test_an_example_whose_panel_could_not_be_built_says_so(qtbot, session, runner):
    from dataclasses import replace

    from gui.docks import DOCKS

    def broken(_session, _runner):
        raise RuntimeError("the digit CNN is not built")

    specs = [replace(d, factory=broken) if d.name == "draw_pad" else d for d in DOCKS]
    w = MainWindow(session, runner, settings=Settings(), persist=False, docks=specs, central=QWidget())
    qtbot.addWidget(w)
    w.open_example("draw_seven")  # no exception: a clear line instead
    assert w.workspaces.current == "network"
    assert any(kind == "error" and "could not be built" in text for kind, text in w.message_bar.messages())
    w.runner.shutdown()
