"""The window and files: the Open dialog, malformed, dropped, compressed and zipped files, exports, ONNX
models and decoder folders from the menus, and notices that stay in the message bar."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from core.embeddings.exporters import write_projector_tsv, write_word2vec_text
from core.progress import run_sync
from gui.open_dialog import OpenDialog
from tests.gui.conftest import found, wait_idle


def test_open_dialog_loads_a_file(qtbot, window, session, runner, small_glove_file):
    old = session.embeddings

    def fill():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, OpenDialog)
        dialog.path.setText(str(small_glove_file))
        dialog.format.setCurrentIndex(dialog.format.findData("glove"))
        dialog.limit.setValue(300)
        dialog.accept()

    QTimer.singleShot(0, fill)
    window.open_action.trigger()
    qtbot.waitUntil(lambda: session.embeddings is not old, timeout=10000)
    es = session.embeddings
    assert es.name == "small.txt" and len(es) == 300 and es.dim == 50
    assert "300 words" in window.status.embedding_label.text()
    assert window.settings.recent_files[0] == str(small_glove_file)
    assert [a.text() for a in window.recent_menu.actions()] == [str(small_glove_file)]
    assert (window.settings.open_format, window.settings.open_limit) == ("glove", 300)
    assert window.windowTitle().endswith("small.txt")
    session.neighbours.query = "year"
    wait_idle(qtbot, runner)
    assert len(found(session)) == session.neighbours.k and all(n.index < 300 for n in found(session))


def test_malformed_file_shows_the_error_and_keeps_the_old_set(qtbot, window, session, runner, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("the 0.1 0.2 0.3\nof 0.1 0.2 0.3\nand 0.1 zero 0.3\n", encoding="utf-8")
    old = session.embeddings
    reports = len(window.reporter.history)
    window.show()
    window.open_file(bad, "glove")
    qtbot.waitUntil(lambda: bool(window.message_bar.messages()), timeout=10000)
    wait_idle(qtbot, runner)
    assert len(window.reporter.history) == reports  # shown once: in the window, not in a dialog too
    [(kind, message)] = window.message_bar.messages()
    assert kind == "error" and message.startswith("Could not open bad.txt: ")
    assert f"{bad}, line 3: number 2 after the word is not a number" in message
    assert message.endswith("still showing GloVe 20k")
    assert window.message_bar.isVisible()  # until dismissed
    qtbot.mouseClick(window.message_bar.rows[0].dismiss_button, Qt.MouseButton.LeftButton)
    assert window.message_bar.messages() == [] and not window.message_bar.isVisible()
    assert session.embeddings is old
    assert "still showing GloVe 20k" in session.status
    session.neighbours.query = "queen"  # the old set is still usable
    wait_idle(qtbot, runner)
    assert found(session)[0].word == "princess"


def test_dropping_a_file_opens_it(qtbot, window, session, small_glove_file):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(small_glove_file))])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    qtbot.waitUntil(lambda: session.embeddings.name == "small.txt", timeout=10000)
    assert len(session.embeddings) == 500


def test_drag_of_no_file_is_refused(window):
    mime = QMimeData()
    mime.setText("king")
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    enter.ignore()
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def test_export(qtbot, window, session, runner, tmp_path, glove_small):
    session.set_embeddings(glove_small.subset(range(1000), name="1k"))
    with qtbot.waitSignal(runner.finished, timeout=10000):
        window.export(write_word2vec_text, tmp_path / "out.txt")
    lines = (tmp_path / "out.txt").read_text().splitlines()
    assert lines[0] == "1000 50" and lines[1].startswith("the ")
    with qtbot.waitSignal(runner.finished, timeout=10000):
        window.export(write_projector_tsv, tmp_path / "vectors.tsv")
    assert len((tmp_path / "metadata.tsv").read_text().splitlines()) == 1000
    assert "exported 1,000 words" in session.status


def test_file_open_onnx_model_lists_its_layers_in_the_onnx_dock(qtbot, window, session, runner, tmp_path):
    from tests.models.helpers import cnn_with_outputs

    file_menu = window.menuBar().actions()[0].menu()
    assert "Open O&NNX model…" in [a.text() for a in file_menu.actions()]
    window.docks["onnx_layers"].close()
    window.open_onnx_model(cnn_with_outputs(tmp_path))
    assert not window.docks["onnx_layers"].isHidden()
    qtbot.waitUntil(lambda: session.activations.onnx.values is not None, timeout=20000)
    assert window.panel("onnx_layers").tree.topLevelItemCount() == 11
    assert session.embeddings is not None and session.activations.onnx.problem == ""


def test_language_menu_opens_a_decoder_folder_and_the_token_embeddings(qtbot, window, session, runner, tiny_decoder):
    file_menu = window.menuBar().actions()[0].menu()
    texts = [a.text() for a in file_menu.actions()]
    assert "Open &language model…" in texts and "Open the language model's token &embeddings" in texts
    assert {"next_word", "masked_word"} <= set(window.docks)
    folder = tiny_decoder("past")
    window.open_language_model(folder)
    assert session.language.model_path == folder
    qtbot.waitUntil(lambda: session.language.view is not None, timeout=60000)  # the raised panel opened it
    window.open_token_embeddings()
    qtbot.waitUntil(lambda: session.embeddings is not None and session.embeddings.name.endswith("token embeddings"),
                    timeout=60000)
    assert len(session.embeddings) == 320 and session.embeddings.dim == 32
    session.neighbours.query = session.embeddings.words[50]
    wait_idle(qtbot, runner)
    assert len(found(session)) == session.neighbours.k


@pytest.fixture(scope="module")
def packed_files(tmp_path_factory, glove_small):
    """From the 20k GloVe: a .txt.gz GloVe, a .bin.gz word2vec binary and a .zip holding a .vec, with the
    plain files they came from."""
    import gzip
    import zipfile

    import numpy as np

    d = tmp_path_factory.mktemp("packed")
    txt, vec, binf = d / "glove.20k.txt", d / "wiki.20k.vec", d / "w2v.20k.bin"
    run_sync(write_word2vec_text(glove_small, txt, header=False))
    run_sync(write_word2vec_text(glove_small, vec, header=True))
    with open(binf, "wb") as f:
        f.write(f"{len(glove_small)} {glove_small.dim}\n".encode())
        for w, v in zip(glove_small.words, np.asarray(glove_small.vectors, dtype="<f4")):
            f.write(w.encode() + b" " + v.tobytes() + b"\n")
    (d / "glove.20k.txt.gz").write_bytes(gzip.compress(txt.read_bytes(), 6))
    (d / "w2v.20k.bin.gz").write_bytes(gzip.compress(binf.read_bytes(), 6))
    with zipfile.ZipFile(d / "wiki.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(vec, "wiki.20k.vec")
        zf.writestr("README.txt", "fastText-style vectors")
    return {"glove.20k.txt.gz": txt, "w2v.20k.bin.gz": binf, "wiki.zip": vec}


@pytest.mark.parametrize("name", ["glove.20k.txt.gz", "w2v.20k.bin.gz", "wiki.zip"])
def test_compressed_and_zipped_files_open_with_progress_and_the_plain_files_neighbours(
        qtbot, window, session, runner, packed_files, name):
    from core.embeddings.loaders import load
    from core.embeddings.neighbours import nearest

    plain = run_sync(load(packed_files[name], use_cache=False))
    path = packed_files[name].parent / name
    fractions = []
    runner.progress.connect(lambda kind, f, _m: fractions.append(f) if kind == "load" else None)
    window.open_file(path)
    qtbot.waitUntil(lambda: session.embeddings.name in (name, "wiki.20k.vec"), timeout=30000)
    assert len(session.embeddings) == 20000
    assert len([f for f in fractions if 0 < f < 1]) >= 2 and fractions == sorted(fractions)
    for query in ("king", "paris", "frog"):
        session.neighbours.query = query
        wait_idle(qtbot, runner)
        want = [(n.word, round(n.score, 5)) for n in nearest(plain, query, session.neighbours.k)]
        assert [(n.word, round(n.score, 5)) for n in found(session)] == want
    assert window.message_bar.messages() == []


def test_a_zip_of_several_files_asks_which_one(qtbot, window, session, runner, tmp_path, small_glove_file):
    import zipfile

    z = tmp_path / "two.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(small_glove_file, "a/small.txt")
        zf.writestr("b.txt", "x 1 2\ny 3 4\n")
    window.asks = True  # a person at the window: the Open dialog lists the files inside
    shown = []

    def choose():  # once the failed load has opened the dialog
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, OpenDialog):
            QTimer.singleShot(20, choose)
            return
        shown.append([dialog.members.itemText(i) for i in range(dialog.members.count())])
        dialog.members.setCurrentText("b.txt")
        dialog.accept()

    QTimer.singleShot(0, choose)
    window.open_file(z)  # as a drop or a recent file would: no member given
    qtbot.waitUntil(lambda: session.embeddings.words == ["x", "y"], timeout=10000)
    assert shown == [["a/small.txt", "b.txt"]] and session.embeddings.name == "b.txt"
    window.asks = False  # a scripted window says so in the message bar instead
    window.open_file(z)
    qtbot.waitUntil(lambda: bool(window.message_bar.messages()), timeout=10000)
    assert "holds 2 embedding files: a/small.txt, b.txt" in window.message_bar.messages()[0][1]


def test_notices_and_a_failed_export_stay_in_the_message_bar(qtbot, window, session, runner, tmp_path):
    window.show()
    window.show_notices(["The last run stopped while writing; 1 unfinished file tidied away (nothing else was lost)"])
    assert window.message_bar.messages() == [
        ("info", "The last run stopped while writing; 1 unfinished file tidied away (nothing else was lost)")]
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    window.export(write_word2vec_text, blocker / "out.txt")  # a folder that cannot be made: like a read-only disk
    qtbot.waitUntil(lambda: len(window.message_bar.messages()) == 2, timeout=10000)
    kind, text = window.message_bar.messages()[0]
    assert kind == "error" and text == f"Could not export: cannot write {blocker / 'out.txt'}: {blocker} is a file, " \
                                       "not a folder"
    assert session.embeddings.name == "GloVe 20k"
    window.message_bar.clear_messages()
    assert not window.message_bar.isVisible()
