"""The Index… and Open Milvus collection… dialogs: choices, checks, and a token that is never saved."""
from __future__ import annotations

import json

from core.state import settings as settings_io
from core.state.settings import Settings
from gui.search_dialogs import CollectionDialog, IndexDialog


def test_index_dialog_chooses_hnsw_or_milvus(qtbot, glove_small):
    d = IndexDialog(Settings(), glove_small)
    qtbot.addWidget(d)
    assert d.choice() == ("hnsw", None, "")
    assert d.collection.text() == "glove_20k"
    d.milvus.setChecked(True)
    kind, target, name = d.choice()
    assert kind == "milvus" and target.is_lite and name == "glove_20k"


def test_a_bad_collection_name_is_refused_in_the_dialog(qtbot, glove_small):
    d = IndexDialog(Settings(), glove_small, milvus=True)
    qtbot.addWidget(d)
    d.collection.setText("9 lives")
    d._accept()
    assert d.result() == 0 and "letters, digits and underscores" in d.problem.text()


def test_the_token_stays_in_memory(qtbot, tmp_path):
    s = Settings()
    d = CollectionDialog(s)
    qtbot.addWidget(d)
    assert not d.fields.token.isEnabled()  # Milvus Lite needs none
    d.fields.uri.setText("http://milvus.lab:19530")
    d.fields.token.setText("root:secret")
    d.collection.setText("glove")
    target, collection, vector, label, sample = d.choice()
    assert target.token == "root:secret" and collection == "glove" and sample == 10000
    assert "secret" not in repr(target)
    settings_io.save(s, tmp_path / "settings.json")
    text = (tmp_path / "settings.json").read_text()
    assert "secret" not in text
    assert json.loads(text)["milvus_uri"] == "http://milvus.lab:19530"
    again = CollectionDialog(s)  # the same window: the token is remembered for this address
    qtbot.addWidget(again)
    assert again.fields.token.text() == "root:secret"
