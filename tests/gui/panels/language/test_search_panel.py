"""Semantic search in the window: a file's passages encoded in the background, a query's nearest
passages, the passages in the cloud with the hits selected, Projector TSV export; bad files, an empty
query and Cancel shown inline; the default Lee corpus finds a paraphrased sentence."""
from __future__ import annotations

import pytest

from core.inference import registry
from gui.panels.cloud.point_cloud_panel import PointCloudPanel
from gui.panels.language.search_panel import SearchPanel
from tests.gui.conftest import wait_idle
from tests.models.helpers import built

NOTES = ["The river burst its banks after three days of rain.", "Shares fell sharply on the stock market today.",
         "The cat slept all afternoon on the warm windowsill.", "Floodwater covered the roads near the town.",
         "The central bank raised interest rates again."]


@pytest.fixture
def panel(qtbot, show, session):
    built(registry.ENCODER)
    p = show(SearchPanel)
    p.resize(900, 600)
    return p


def use_file(qtbot, session, runner, path, timeout=60000):
    m = session.language.search
    m.corpus = str(path)
    wait_idle(qtbot, runner, timeout=timeout)
    return m


def test_a_files_passages_are_searched_shown_in_the_cloud_and_exported(qtbot, panel, show, session, runner,
                                                                      tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("\n".join(NOTES) + "\n")
    m = use_file(qtbot, session, runner, f)
    assert len(m.index) == 5 and "notes.txt" in panel.corpus_label.text() and "5 passages" in panel.corpus_label.text()
    assert "Type a query" in panel.note.plain
    qtbot.keyClicks(panel.query, "flooding after heavy rain")
    qtbot.waitUntil(lambda: m.hits is not None and m.hits.query == "flooding after heavy rain", timeout=10000)
    texts = [panel.results.item(i, 1).text() for i in range(panel.results.rowCount())]
    assert set(texts[:2]) == {NOTES[0], NOTES[3]} and len(texts) == 5  # the two about floods
    assert "exact cosine search" in panel.note.plain
    cloud = show(PointCloudPanel)
    qtbot.waitUntil(lambda: cloud.layout_ is not None, timeout=20000)
    glove = session.embeddings
    panel.show_cloud.click()
    assert len(session.embeddings) == 5 and session.embeddings.words[0] == "The river burst its banks after…"
    assert session.selection == tuple(h.row for h in m.hits.hits)
    panel.k.setValue(2)
    qtbot.waitUntil(lambda: len(session.selection) == 2, timeout=10000)
    panel.results.cellClicked.emit(1, 1)
    assert session.selection == (m.hits.hits[1].row,)
    out = tmp_path / "out" / "vectors.tsv"
    out.parent.mkdir()
    panel.export_to(str(out))
    qtbot.waitUntil(lambda: (out.parent / "metadata.tsv").is_file(), timeout=10000)
    assert len(out.read_text().splitlines()) == 5 and len(out.read_text().splitlines()[0].split("\t")) == 384
    f2 = tmp_path / "other.txt"  # another corpus: the passages and their hits are cleared (found by the monkey:
    f2.write_text("One line.\nAnother line.\n")  # the hits outlived their index for one event)
    m = use_file(qtbot, session, runner, f2)
    qtbot.waitUntil(lambda: m.index is not None and len(m.index) == 2 and m.hits is not None
                    and len(m.hits.hits) == 2, timeout=30000)
    assert "Floodwater covered the roads" in (out.parent / "metadata.tsv").read_text()
    panel.back.click()
    assert session.embeddings is glove


def test_bad_files_an_empty_query_and_cancel_are_inline(qtbot, panel, session, runner, tmp_path):
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    m = use_file(qtbot, session, runner, binary)
    assert panel.note.kind == "error" and "this is a PNG image, not text" in panel.note.plain
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    m = use_file(qtbot, session, runner, empty)
    qtbot.waitUntil(lambda: "the file is empty" in panel.note.plain, timeout=10000)
    blank = tmp_path / "blank.txt"
    blank.write_text("\n\n  \n")
    use_file(qtbot, session, runner, blank)
    qtbot.waitUntil(lambda: "no passages in the file" in panel.note.plain, timeout=10000)
    f = tmp_path / "two.txt"
    f.write_text("One passage here.\nAnother passage there.\n")
    use_file(qtbot, session, runner, f)
    assert not panel.note.kind == "error"
    panel.query.setText("   ")
    panel.query.textEdited.emit("   ")
    qtbot.waitUntil(lambda: "type a query" in panel.note.plain, timeout=10000)
    many = tmp_path / "many.txt"
    many.write_text("".join(f"Line {i} is about banks, rivers and the money in them.\n" for i in range(4000)))
    m.corpus = str(many)
    qtbot.waitUntil(lambda: m.activity is not None and "encoded" in m.activity.message, timeout=30000)
    qtbot.waitUntil(lambda: panel.busy.isVisible(), timeout=5000)
    panel.busy.cancel.click()
    qtbot.waitUntil(lambda: "cancelled" in panel.note.plain, timeout=10000)
    assert m.index is None and not runner.is_running("search.index")


@pytest.mark.slow
def test_the_default_corpus_says_where_it_comes_from_and_finds_a_paraphrase(qtbot, panel, session):
    m = session.language.search
    qtbot.waitUntil(lambda: m.index is not None, timeout=300000)
    assert "Lee news corpus" in panel.corpus_label.text() and "2,680 passages" in panel.corpus_label.text()
    assert "LGPL-2.1" in panel.about.text() and "lee_background.cor" in panel.about.text()
    m.query = "In their usual Christmas addresses, Europe's kings and queens looked back on the September 11 attacks."
    qtbot.waitUntil(lambda: m.hits is not None, timeout=10000)
    assert panel.results.item(0, 1).text().startswith("European monarchs have reflected")
