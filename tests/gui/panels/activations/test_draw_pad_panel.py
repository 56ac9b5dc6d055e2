"""The draw pad: a 7 drawn with mouse strokes reads as 7; held-out digits picked in the panel are
classified as `main.py digit` classifies a PNG of them; bad input gets an inline message."""
from __future__ import annotations

import json

import numpy as np
from PIL import Image

import main
from core.inference.digit_layers import DigitInput
from tests.gui.conftest import wait_idle
from tests.gui.panels.activations.conftest import draw, stroke


def test_a_seven_drawn_with_the_mouse_reads_as_seven(qtbot, digits_room, session, runner):
    pad, _ = digits_room
    assert pad.message.is_shown() and "Draw a digit" in pad.message.plain and session.activations.digit is None
    draw(pad.canvas)
    wait_idle(qtbot, runner)
    res = session.activations.layers
    assert res.ok and res.source.kind == "drawn" and res.digit == 7
    assert int(np.argmax(res.probs)) == 7 and res.image.shape == (28, 28)
    assert ">7<" in pad.verdict.text() and "sure" in pad.verdict.text()
    assert not pad.input_view.pixmap().isNull()  # the 28x28 the network got, shown
    assert not pad.message.is_shown()


def test_clear_empties_the_pad_and_asks_for_a_digit(qtbot, digits_room, session, runner):
    pad, _ = digits_room
    draw(pad.canvas)
    wait_idle(qtbot, runner)
    pad.clear_button.click()
    wait_idle(qtbot, runner)
    assert session.activations.digit is None and session.activations.layers is None
    assert pad.canvas.is_empty() and not pad.canvas.pixels().any()
    assert "Draw a digit" in pad.message.plain and pad.message.kind == "info"


def test_a_single_dot_is_classified_without_error(qtbot, digits_room, session, runner):
    pad, _ = digits_room
    stroke(pad.canvas, [(200, 40)])  # one click
    wait_idle(qtbot, runner)
    res = session.activations.layers
    assert res.ok and 0 <= res.digit <= 9 and not pad.message.is_shown()


def test_picked_heldout_digits_are_classified_as_the_command_line_does(qtbot, digits_room, session, runner,
                                                                       tmp_path, capsys):
    pad, _ = digits_room
    assert len(pad.heldout) == 20 and set(pad.offered) <= set(pad.digits.heldout.tolist())
    labels = pad.digits.labels[pad.offered]
    assert sorted(labels.tolist()) == sorted(list(range(10)) * 2)  # two of each class
    for i in (0, 7, 13):
        pad.pick(i)
        wait_idle(qtbot, runner)
        res = session.activations.layers
        row = int(pad.offered[i])
        assert res.source.kind == "mnist" and res.source.row == row and res.source.heldout
        png = tmp_path / f"{row}.png"
        Image.fromarray(pad.digits.uint8([row])[0], mode="L").save(png)
        assert main.main(["digit", str(png), "--json"]) == 0
        cli = json.loads(capsys.readouterr().out)
        assert cli["digit"] == res.digit
        np.testing.assert_allclose(cli["probs"], res.probs, atol=1e-5)
        assert f"a {labels[i]}" in pad.verdict.text()
    pad.more_button.click()
    assert pad._pick == 1 and len(pad.heldout) == 20


def test_clicking_a_thumbnail_loads_it(qtbot, digits_room, session, runner):
    pad, _ = digits_room
    r = pad.heldout.thumb_rect(4)
    from PySide6.QtCore import Qt

    qtbot.mouseClick(pad.heldout, Qt.MouseButton.LeftButton, pos=r.center())
    assert session.activations.digit.row == int(pad.offered[4])
    wait_idle(qtbot, runner)
    assert pad.canvas.pixels().max() > 0.9  # shown on the pad


def test_pictures_dark_on_light_are_inverted_and_the_panel_says_so(qtbot, digits_room, session, runner, tmp_path):
    pad, _ = digits_room
    im = Image.new("L", (300, 300), 255)
    from PIL import ImageDraw

    ImageDraw.Draw(im).line([(150, 40), (150, 260)], fill=0, width=24)
    im.save(tmp_path / "one.png")
    pad.open_file(tmp_path / "one.png")
    wait_idle(qtbot, runner)
    res = session.activations.layers
    assert res.ok and res.digit == 1
    assert pad.message.kind == "info" and "one.png: 300×300 picture, dark on light: inverted" in pad.message.plain


def test_bad_pictures_get_an_inline_message_and_nothing_else_changes(qtbot, digits_room, session, runner, tmp_path):
    pad, layers = digits_room
    draw(pad.canvas)
    wait_idle(qtbot, runner)
    (tmp_path / "notes.png").write_text("not a picture")
    Image.new("L", (10_000, 10_000), 255).save(tmp_path / "huge.png")
    for name, says in (("notes.png", "not an image pillow can read"), ("huge.png", "too large to read safely")):
        pad.open_file(tmp_path / name)
        wait_idle(qtbot, runner)
        assert pad.message.kind == "error" and name in pad.message.plain and says in pad.message.plain
        assert session.activations.layers.error and session.embeddings is not None
    draw(pad.canvas)  # drawing again works
    wait_idle(qtbot, runner)
    assert session.activations.layers.digit == 7 and not pad.message.is_shown()


def test_the_session_drives_the_pad(qtbot, digits_room, session, runner):
    pad, _ = digits_room
    session.activations.digit = DigitInput.mnist(pad.digits, int(pad.digits.heldout[0]))
    wait_idle(qtbot, runner)
    assert pad.canvas.pixels().max() > 0.9 and not pad.canvas.is_empty()
    session.activations.digit = None
    assert pad.canvas.is_empty() and "Draw a digit" in pad.message.plain
