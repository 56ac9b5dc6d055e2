"""core.io: atomic files and folders (a failure or a cancelled job leaves the old content), sha256."""
from __future__ import annotations

import hashlib

import pytest

from core.io import (
    atomic_folder,
    atomic_open,
    atomic_path,
    atomic_write_json,
    atomic_write_text,
    file_key,
    file_stat_key,
    sha256_file,
    sha256_job,
)
from core.progress import run_sync


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


def test_sha256_job_reports_each_block(tmp_path):
    p = tmp_path / "data.bin"
    p.write_bytes(b"x" * 100)
    seen = []
    assert run_sync(sha256_job(p, chunk=30), seen.append) == hashlib.sha256(b"x" * 100).hexdigest()
    assert [round(s.fraction, 2) for s in seen] == [0.3, 0.6, 0.9, 1.0]
    assert seen[-1].message == "checking data.bin (0 MB)"


def test_file_key_changes_with_the_file_and_the_extras(tmp_path):
    p = tmp_path / "v.txt"
    p.write_text("a")
    key, stat_key = file_key(p, "glove"), file_stat_key(p)
    assert stat_key == (str(p.resolve()), 1, p.stat().st_mtime_ns) == file_stat_key(tmp_path / "." / "v.txt")
    assert len(key) == 16 and key == file_key(str(p), "glove") == file_key(tmp_path / "." / "v.txt", "glove")
    assert key != file_key(p, "numpy") and key != file_key(p)
    p.write_text("ab")  # another size (and time)
    assert file_key(p, "glove") != key and file_stat_key(p) != stat_key
    with pytest.raises(FileNotFoundError):
        file_key(tmp_path / "missing")


def test_written_files_get_ordinary_permissions_and_keep_a_targets_own(tmp_path):
    import os
    import stat

    p = atomic_write_text(tmp_path / "new.txt", "x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600
    os.chmod(p, 0o640)
    atomic_write_text(p, "y")
    assert stat.S_IMODE(p.stat().st_mode) == 0o640
    with atomic_folder(tmp_path / "set") as tmp:
        (tmp / "a").write_text("1")
    assert stat.S_IMODE((tmp_path / "set").stat().st_mode) == 0o777 & ~umask


@pytest.mark.parametrize("suffix,magic", [(".gz", b"\x1f\x8b"), (".bz2", b"BZh"), (".xz", b"\xfd7zXZ\x00"),
                                          (".txt", b"hello")])
def test_compress_when_the_name_asks(tmp_path, suffix, magic):
    import bz2
    import gzip
    import lzma

    p = tmp_path / ("out" + suffix)
    with atomic_open(p, "wb", compress=True) as f:
        f.write(b"hello " * 1000)
    data = p.read_bytes()
    assert data.startswith(magic)
    opener = {".gz": gzip.decompress, ".bz2": bz2.decompress, ".xz": lzma.decompress}.get(suffix, lambda d: d)
    assert opener(data) == b"hello " * 1000
    assert [x.name for x in tmp_path.iterdir()] == [p.name]


def test_write_errors_name_the_target(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(
        NotADirectoryError, match=f"cannot write {blocker / 'x.json'}: {blocker} is a file, not a folder"
    ):
        atomic_write_json(blocker / "x.json", {})
