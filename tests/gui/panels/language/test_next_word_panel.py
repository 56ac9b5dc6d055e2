"""The Next word panel on the built SmolLM2-135M and the tiny Optimum decoder, driven as a user would:
typing, the sampling controls (re-rendered with no model call), clicking a bar, Undo, Sample,
Generate with a seed, Stop and Cancel; bad input shown inline."""
from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from core.inference import registry
from core.inference.sampling import Sampling
from core.inference.trace import generate_steps, undo
from core.progress import run_sync
from gui.panels.language.next_word_panel import NextWordPanel
from gui.panels.language.sampling_controls import temperature_to_slider
from tests.gui.panels.language.conftest import wait_current

TIME = "\u2423time"


class Calls:
    """Counts the model passes of the controller's open decoder (the real one keeps answering)."""

    def __init__(self, controllers, monkeypatch) -> None:
        self.count = 0
        dec = controllers.language._decoders[controllers.language._m.model_path]
        real = dec.extend

        def counting(*args, **kwargs):
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(dec, "extend", counting)


def _type(qtbot, panel, session, text, *, paste: bool = False):
    """Type ``text`` into the prompt (or paste it over what is there) and wait for the bars."""
    if paste:  # QTest cannot type control characters; a paste is what brings them anyway
        panel.prompt.setPlainText(text)
    else:
        qtbot.keyClicks(panel.prompt, text)
    qtbot.waitUntil(lambda: session.language.prompt == text, timeout=5000)
    wait_current(qtbot, session)


def test_once_upon_a_shows_time_and_the_settings_rerender_without_the_model(
        lm_built, qtbot, show, session, runner, controllers, monkeypatch):
    session.language.precision = "fp32"
    panel = show(NextWordPanel)
    _type(qtbot, panel, session, "Once upon a")
    rows = panel.bars.rows()
    assert rows[0].text == TIME and float(rows[0].value) == pytest.approx(0.347, abs=0.01)
    assert rows[0].note == "id 655" and len(rows) == 10
    chips = panel.chips.chips()
    assert [c.text for c in chips] == ["<|endoftext|>", "Once", "\u2423upon", "\u2423a"]
    assert chips[0].muted and not chips[1].muted and [c.sub for c in chips][1:] == ["6403", "1980", "253"]
    assert "entropy" in panel.footer.text() and "SmolLM2-135M" in panel.model_label.text()

    calls, started = Calls(controllers, monkeypatch), []
    runner.started.connect(lambda kind, label: started.append(kind))
    trace = session.language.trace
    panel.controls.temperature.setValue(temperature_to_slider(0.3))
    assert session.language.sampling.temperature == pytest.approx(0.3, abs=0.005)
    cold = panel.bars.rows()[0]
    assert cold.text == TIME and float(cold.value) > 0.95
    panel.controls.temperature.setValue(temperature_to_slider(3.0))
    hot = panel.bars.rows()
    assert hot[0].text == TIME and float(hot[0].value) < 0.05 and hot[0].fraction < 0.05
    panel.controls.top_k.setValue(3)
    assert [r.kept for r in panel.bars.rows()] == [True] * 3 + [False] * 7
    qtbot.mouseClick(panel.controls.logits, Qt.MouseButton.LeftButton)
    assert session.language.show_logits and float(panel.bars.rows()[0].value) == pytest.approx(
        session.language.view.bars[0].logit, abs=0.01)
    qtbot.wait(100)
    assert calls.count == 0 and started == [] and session.language.trace is trace  # no model call


def test_click_time_appends_it_and_undo_restores(lm_built, qtbot, show, session, controllers, monkeypatch):
    session.language.precision = "fp32"
    panel = show(NextWordPanel)
    _type(qtbot, panel, session, "Once upon a")
    before = [(r.text, r.value) for r in panel.bars.rows()]
    qtbot.mouseClick(panel.bars, Qt.MouseButton.LeftButton, pos=panel.bars.row_center(0))
    assert session.language.appended == (655,)
    wait_current(qtbot, session)
    history = panel.history.chips()
    assert [c.text for c in history] == [TIME] and history[0].sub == "35% · #1"
    after = [(r.text, r.value) for r in panel.bars.rows()]
    assert after[0][0] == "," and after != before
    assert "time" in panel.text.text()
    calls = Calls(controllers, monkeypatch)
    qtbot.mouseClick(panel.undo, Qt.MouseButton.LeftButton)
    assert session.language.appended == ()
    qtbot.waitUntil(lambda: session.language.current, timeout=1000)  # the next turn of the event loop
    assert [(r.text, r.value) for r in panel.bars.rows()] == before
    assert calls.count == 0 and panel.history.chips() == [] and not panel.undo.isEnabled()


def test_generate_is_seeded_stops_and_greedy_is_the_top_bar(lm_built, qtbot, show, session, runner, controllers):
    m = session.language
    panel = show(NextWordPanel)
    _type(qtbot, panel, session, "Once upon a")
    m.sampling = Sampling(seed=5)
    assert panel.seed.value() == 5
    panel.count.setValue(6)
    started = []
    runner.started.connect(lambda kind, label: started.append(kind))
    qtbot.mouseClick(panel.generate, Qt.MouseButton.LeftButton)
    assert panel.generate.text() == "Stop"
    qtbot.waitUntil(lambda: m.generating == 0 and m.activity is None, timeout=60000)
    assert started == ["language.generate"]  # one job; its steps start no reading
    first = m.trace.generated_text
    assert len(m.appended) == 6 and panel.generate.text() == "Generate"
    assert run_sync(generate_steps(undo(m.trace, 6), 6, Sampling(seed=5))).generated_text == first  # the core's draws
    m.appended = ()
    wait_current(qtbot, session)
    for _ in range(6):  # Sample pressed six times: the same draws
        qtbot.mouseClick(panel.sample, Qt.MouseButton.LeftButton)
        wait_current(qtbot, session)
    assert m.trace.generated_text == first
    # greedy (temperature 0) is taking the top bar again and again
    m.appended, m.sampling = (), replace(m.sampling, temperature=0.0)
    wait_current(qtbot, session)
    m.generating = 4
    qtbot.waitUntil(lambda: m.generating == 0 and m.activity is None, timeout=60000)
    greedy = m.appended
    m.appended = ()
    wait_current(qtbot, session)
    for _ in range(4):
        qtbot.mouseClick(panel.bars, Qt.MouseButton.LeftButton, pos=panel.bars.row_center(0))
        wait_current(qtbot, session)
    assert m.appended == greedy
    # Stop ends a long generation where it is
    m.sampling = replace(m.sampling, temperature=1.0)
    panel.count.setValue(300)
    qtbot.mouseClick(panel.generate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(m.appended) >= 7, timeout=60000)
    qtbot.mouseClick(panel.generate, Qt.MouseButton.LeftButton)
    assert m.generating == 0
    qtbot.waitUntil(lambda: m.activity is None, timeout=10000)
    stopped = m.appended
    qtbot.wait(300)
    assert m.appended == stopped and len(stopped) < 300 and m.current


def test_empty_prompt_control_characters_and_emoji(lm_built, qtbot, show, session):
    m = session.language
    panel = show(NextWordPanel)
    qtbot.waitUntil(lambda: m.view is not None and m.current, timeout=60000)
    assert [c.text for c in panel.chips.chips()] == ["<|endoftext|>"] and len(panel.bars.rows()) == 10
    _type(qtbot, panel, session, "bell\x07 tab\t smile \U0001F600", paste=True)
    texts = [c.text for c in panel.chips.chips()]
    assert "<0x07>" in texts and "\u21e5" in texts and any(t.endswith("<0xF0><0x9F><0x98>") for t in texts)
    assert not panel.note.is_shown() and len(panel.bars.rows()) == 10


def test_a_long_paste_is_read_off_the_gui_thread_and_can_be_cancelled(lm_built, qtbot, show, session):
    m = session.language
    panel = show(NextWordPanel)
    qtbot.waitUntil(lambda: m.current, timeout=60000)
    text = ("The history of the city begins in the early middle ages, when farmers settled by the river. "
            * 120)[:10000]
    panel.prompt.setPlainText(text)
    qtbot.waitUntil(lambda: m.activity is not None and m.activity.fraction > 0, timeout=60000)
    qtbot.waitUntil(lambda: panel.progress.isVisible() and panel.cancel.isVisible(), timeout=1000)
    assert panel.progress.value() > 0
    assert not panel.bars.clickable and not panel.sample.isEnabled()
    qtbot.mouseClick(panel.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: m.activity is None, timeout=5000)
    assert "cancelled" in m.problem and panel.note.kind == "error" and not panel.progress.isVisible()


def test_the_tiny_optimum_decoder_opens_and_cuts_a_long_prompt(qtbot, show, session, tiny_decoder):
    m = session.language
    m.model_path = tiny_decoder("past", positions=64)
    panel = show(NextWordPanel)
    _type(qtbot, panel, session, "Once upon a")
    assert m.info.name.endswith("(gpt2)") and m.info.precisions == ("fp32",)
    assert len(panel.bars.rows()) == 10 and "gpt2" in panel.model_label.text()
    assert not panel.precision.model().item(panel.precision.findData("q4")).isEnabled()
    _type(qtbot, panel, session, "Once upon a time there was a king. " * 300, paste=True)
    assert m.trace.cut > 0 and "reads at most 64" in panel.note.plain and panel.note.kind == "info"
    room = 64 - m.trace.length
    m.sampling = replace(m.sampling, temperature=0.05)  # the tiny model's likeliest token is not its end-of-text token
    panel.count.setValue(room + 5)
    qtbot.mouseClick(panel.generate, Qt.MouseButton.LeftButton)  # past the context: stops with a message
    qtbot.waitUntil(lambda: m.generating == 0 and m.activity is None, timeout=30000)
    assert len(m.appended) == room and m.trace.length == 64
    assert "context is full" in panel.note.plain and panel.note.kind == "error"
    assert "reads at most 64" in m.trace.note  # the cut is still said once the error is gone


def test_problems_are_inline(qtbot, show, session, tmp_path, monkeypatch):
    m = session.language
    monkeypatch.setenv(registry.DATA_ENV, str(tmp_path / "no-models"))
    panel = show(NextWordPanel)
    qtbot.waitUntil(lambda: bool(m.problem), timeout=30000)
    assert "not built" in panel.note.plain and "python main.py models build --only smollm2-135m" in panel.note.plain
    assert panel.note.kind == "error" and m.info is None
    m.model_path = str(tmp_path)  # a folder without tokenizer.json
    qtbot.waitUntil(lambda: "tokenizer.json" in m.problem, timeout=30000)
    assert "no tokenizer.json" in panel.note.plain and "expected" in panel.note.plain


def test_a_precision_notice_is_one_status_line(qtbot, show, session):
    """However long (a fallback with its reason), the model's notice is one elided line with the whole text
    in its tooltip: it neither wraps into the panel nor widens it."""
    from core.state.session import ModelInfo

    panel = show(NextWordPanel)
    width = panel.minimumSizeHint().width()
    long = "4-bit file computes with integer kernels checked on avx512-vnni, not on this CPU's (avx2); " * 4
    session.language.info = ModelInfo(
        name="SmolLM2-135M",
        provider="CPUExecutionProvider",
        precisions=("auto", "fp32", "q4"),
        notice=long + "auto uses fp32",
    )
    assert panel.notice.isVisibleTo(panel) and panel.notice.toolTip().endswith("auto uses fp32")
    assert panel.notice.height() <= panel.notice.fontMetrics().height() + 2
    assert panel.minimumSizeHint().width() == width
    assert panel.notice.shown_text().endswith("…") or len(panel.notice.shown_text()) == len(panel.notice.text())
    session.language.info = ModelInfo(name="SmolLM2-135M", provider="CPUExecutionProvider", precisions=("fp32",))
    assert not panel.notice.isVisibleTo(panel)
