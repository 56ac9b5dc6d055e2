"""Settings: defaults, v1 migration, round trip, atomic write, never the real config folder."""
from __future__ import annotations

import json
import os

import pytest

from core import paths
from core.state import settings
from core.state.settings import SCHEMA_VERSION, Settings

# A settings file as version 1 (0.0.x) wrote it.
V1_FILE = {
    "version": 1,
    "recent": ["/data/glove.6B.100d.txt", "/data/vectors.tsv"],
    "dark": True,
    "geometry": "AdnQywADAAA=",
    "state": "AAAA/wAAAAD9",
    "metric": "euclid",
    "k": 25,
}


def test_config_folder_is_redirected_by_the_test_run():
    assert os.environ["EMBEDDING_EXPLORER_CONFIG"] in str(settings.settings_path())
    assert str(paths.config_dir()) == os.environ["EMBEDDING_EXPLORER_CONFIG"]


def test_missing_file_gives_defaults(tmp_path):
    s = settings.load(tmp_path / "none.json")
    assert s == Settings()
    assert s.schema_version == SCHEMA_VERSION


def test_v1_file_is_migrated(tmp_path):
    p = tmp_path / "settings.json"
    p.write_text(json.dumps(V1_FILE), encoding="utf-8")
    s = settings.load(p)
    assert s.schema_version == SCHEMA_VERSION
    assert s.theme == "dark"
    assert s.recent_files == V1_FILE["recent"]
    assert s.window_geometry == V1_FILE["geometry"]
    assert s.window_state == V1_FILE["state"]
    assert (s.metric, s.k) == ("euclid", 25)


def test_round_trip(tmp_path):
    p = tmp_path / "sub" / "settings.json"
    s = Settings(theme="dark", metric="dot", k=7, open_limit=5000, open_lowercase=True, open_dtype="float16",
                 last_dir="/tmp", window_state="abc=")
    s.add_recent(tmp_path / "a.txt")
    s.add_recent(tmp_path / "b.txt")
    s.add_recent(tmp_path / "a.txt")  # moves to the front, no duplicate
    settings.save(s, p)
    back = settings.load(p)
    assert back == s
    assert back.recent_files == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    assert json.loads(p.read_text())["schema_version"] == SCHEMA_VERSION
    assert [f.name for f in p.parent.iterdir()] == ["settings.json"]  # no temp file left behind


def test_default_path_is_under_config_dir():
    s = Settings(theme="dark")
    p = settings.save(s)
    assert p.parent == paths.config_dir()
    assert settings.load().theme == "dark"
    p.unlink()


def test_recent_is_capped(tmp_path):
    s = Settings()
    for i in range(settings.MAX_RECENT + 5):
        s.add_recent(tmp_path / f"{i}.txt")
    assert len(s.recent_files) == settings.MAX_RECENT
    assert s.recent_files[0].endswith(f"{settings.MAX_RECENT + 4}.txt")


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", json.dumps({"schema_version": 99})])
def test_bad_or_future_file_gives_defaults(tmp_path, text):
    p = tmp_path / "settings.json"
    p.write_text(text, encoding="utf-8")
    assert settings.load(p) == Settings()


def test_bad_values_are_reset(tmp_path):
    p = tmp_path / "settings.json"
    p.write_text(json.dumps({"schema_version": 2, "theme": "purple", "k": "ten", "open_dtype": "int8",
                             "recent_files": "notalist", "unknown": 1}), encoding="utf-8")
    s = settings.load(p)
    assert (s.theme, s.k, s.open_dtype, s.recent_files) == ("light", 10, "float32", [])


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    p = tmp_path / "settings.json"
    settings.save(Settings(theme="dark"), p)

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(settings.os, "replace", boom)
    with pytest.raises(OSError):
        settings.save(Settings(theme="light"), p)
    assert settings.load(p).theme == "dark"
    assert [f.name for f in tmp_path.iterdir()] == ["settings.json"]
