"""Writing files so that a crash never leaves a half-written one, and hashing them.

Every file the app writes goes through one of these: the content is written to a
temporary file (or folder) beside the target, then moved over it with
``os.replace``, which is atomic on one file system. A reader sees the old file or
the new one, never a mixture; a failed or cancelled write leaves the old one.

    with atomic_open(path, "w", encoding="utf-8") as f:   # a generator may yield inside
        f.write(text)
    atomic_write_json(path, {"a": 1})
    with atomic_folder(folder) as tmp:                     # a whole folder, published at once
        np.save(tmp / "vectors.npy", vectors)
    sha256_file(path)
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

CHUNK = 1 << 22


@contextmanager
def atomic_path(path: str | os.PathLike, *, suffix: str = ".tmp", fsync: bool = False) -> Iterator[Path]:
    """A temporary path beside ``path`` for a writer that wants a file name (``onnx.save``, ``np.savez``).

    When the block ends normally the temporary file replaces ``path``; on any exception
    (a cancelled generator's GeneratorExit included) it is removed and ``path`` is untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=target.name + ".", suffix=suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if fsync:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb", *, encoding: str | None = None,
                newline: str | None = None, fsync: bool = False) -> Iterator[IO[Any]]:
    """``open()`` for writing that publishes the file only when the block ends without an error."""
    if not mode.startswith("w"):
        raise ValueError(f"atomic_open writes whole files; mode must start with 'w', got {mode!r}")
    with atomic_path(path) as tmp:
        with open(tmp, mode, encoding=encoding, newline=newline) as fh:
            yield fh
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, fsync: bool = False) -> Path:
    with atomic_open(path, "wb", fsync=fsync) as fh:
        fh.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str, *, fsync: bool = False) -> Path:
    with atomic_open(path, "w", encoding="utf-8", newline="", fsync=fsync) as fh:
        fh.write(text)
    return Path(path)


def atomic_write_json(path: str | os.PathLike, obj: Any, *, indent: int = 1, fsync: bool = False) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=indent, ensure_ascii=False) + "\n", fsync=fsync)


@contextmanager
def atomic_folder(folder: str | os.PathLike) -> Iterator[Path]:
    """A temporary folder beside ``folder``; when the block ends normally it replaces ``folder``.

    The old folder (if any) is moved aside first and removed after the new one is in
    place, so a crash in between leaves either the old or the new folder, never a mix.
    """
    target = Path(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", suffix=".partial", dir=target.parent))
    try:
        yield tmp
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=target.name + ".", suffix=".old", dir=target.parent))
            os.replace(target, old / "x")
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def sha256_file(path: str | os.PathLike, chunk: int = CHUNK) -> str:
    """Hex sha256 of a file's bytes, read in 4 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()
