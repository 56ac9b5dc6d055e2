"""core.io: atomic files and folders (a failure or a cancelled job leaves the old content), sha256."""
from __future__ import annotations

import hashlib

import pytest

from core.io import atomic_folder, atomic_open, atomic_path, atomic_write_json, atomic_write_text, sha256_file


def test_atomic_open_replaces_only_on_success(tmp_path):
    p = tmp_path / "a.txt"
    atomic_write_text(p, "old")
    with pytest.raises(RuntimeError):
        with atomic_open(p, "w", encoding="utf-8") as f:
            f.write("half of the new")
            raise RuntimeError("disk on fire")
    assert p.read_text() == "old"
    assert [x.name for x in tmp_path.iterdir()] == ["a.txt"]  # no temporary file left behind
    with atomic_open(p, "w", encoding="utf-8") as f:
        f.write("new")
    assert p.read_text() == "new"


def test_a_cancelled_generator_leaves_the_old_file(tmp_path):
    p = tmp_path / "out.txt"
    atomic_write_text(p, "old")

    def job():
        with atomic_open(p, "w", encoding="utf-8") as f:
            for i in range(10):
                f.write(f"{i}\n")
                yield i

    g = job()
    next(g), next(g)
    g.close()  # what the task runner does on Cancel
    assert p.read_text() == "old"
    assert len(list(tmp_path.iterdir())) == 1


def test_atomic_path_and_json(tmp_path):
    p = tmp_path / "sub" / "m.json"
    atomic_write_json(p, {"a": [1, 2], "é": "ü"})
    assert p.read_text(encoding="utf-8").startswith("{") and '"é": "ü"' in p.read_text(encoding="utf-8")
    with atomic_path(tmp_path / "x.bin", suffix=".bin") as tmp:
        assert tmp.suffix == ".bin" and tmp.parent == tmp_path
        tmp.write_bytes(b"abc")
    assert (tmp_path / "x.bin").read_bytes() == b"abc"
    with pytest.raises(ValueError, match="mode must start with 'w'"):
        with atomic_open(p, "a"):
            pass


def test_atomic_folder_publishes_whole_folders(tmp_path):
    target = tmp_path / "set"
    with atomic_folder(target) as tmp:
        (tmp / "a").write_text("1")
    assert (target / "a").read_text() == "1"
    with pytest.raises(KeyError):
        with atomic_folder(target) as tmp:
            (tmp / "b").write_text("2")
            raise KeyError("interrupted")
    assert sorted(p.name for p in target.iterdir()) == ["a"]
    with atomic_folder(target) as tmp:
        (tmp / "b").write_text("2")
    assert sorted(p.name for p in target.iterdir()) == ["b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set"]  # nothing left beside it


def test_sha256_file(tmp_path):
    p = tmp_path / "f"
    data = bytes(range(256)) * 40000
    p.write_bytes(data)
    assert sha256_file(p) == hashlib.sha256(data).hexdigest()
    assert sha256_file(p, chunk=7) == hashlib.sha256(data).hexdigest()
