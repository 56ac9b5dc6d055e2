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
    clean_stale(cache_dir(), depth=2)                      # at start: what a killed writer left
    sha256_file(path)
    digest = yield from sha256_job(path)                   # the same, yielding Progress per block
    file_key(path, "float32")                              # which version of a file: a cache key

A writer holds a lock (flock) on its temporary file or folder while it works, and creates and
publishes it under a lock on the parent folder, so :func:`clean_stale` never takes a live
writer's work, and two processes publishing into one folder take turns.
"""
from __future__ import annotations

import bz2
import errno
import gzip
import hashlib
import json
import lzma
import os
import re
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .progress import Job, Progress, run_sync

CHUNK = 1 << 22
try:  # a writer holds a lock on its temporary file or folder, so a clean-up can tell it from a dead one's
    import fcntl
except ImportError:  # Windows: no locks; leftovers older than a day count as dead
    fcntl = None

# what the writers below leave beside a target while they work: name.<8 random>.partial[.suffix],
# name.<8 random>.old (a folder moved aside while the new one is published); .tmp from older versions
TEMP_NAME = re.compile(r"^(?P<name>.+)\.(?P<tag>[a-z0-9_]{8})\.(?P<kind>partial|old|tmp)(?P<suffix>\.[^.]+)?$")
STALE_WITHOUT_LOCKS_S = 24 * 3600
_UMASK = os.umask(0o022)
os.umask(_UMASK)


_held: dict[tuple[int, int], int] = {}  # (device, inode) of temporary folders this process is writing
_held_guard = threading.Lock()


@contextmanager
def folder_lock(folder: Path, *, blocking: bool = True) -> Iterator[bool]:
    """An exclusive lock on a folder (flock on the folder itself): writers create their temporary
    files and publish them under it, and a clean-up looks at leftovers under it. Yields whether
    the lock is held (False where locks are not supported: everything still works, unguarded).
    A temporary folder this process is writing is locked already (no other process may enter)."""
    if fcntl is None:
        yield False
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield False
        return
    try:
        st = os.fstat(fd)
        with _held_guard:
            own = (st.st_dev, st.st_ino) in _held
        if own:
            yield True
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            held = True
        except OSError:
            held = False
        yield held
    finally:
        os.close(fd)


def _hold(fd: int) -> int | None:
    """Mark a temporary file or folder (by an open descriptor, kept open until the write ends) as
    being written by a live process. Without locks the descriptor is closed at once (Windows
    cannot move an open file)."""
    if fcntl is None:
        os.close(fd)
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        pass
    st = os.fstat(fd)
    if stat.S_ISDIR(st.st_mode):
        with _held_guard:
            _held[(st.st_dev, st.st_ino)] = fd
    return fd


def _release(fd: int | None) -> None:
    if fd is None:
        return
    with _held_guard:
        for key, held in list(_held.items()):
            if held == fd:
                del _held[key]
    os.close(fd)


def _mode(target: Path, folder: bool) -> int:
    """The permissions a new file would get (mkstemp makes 0600); an existing target keeps its own."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return (0o777 if folder else 0o666) & ~_UMASK


def _publish_error(exc: OSError, target: Path) -> OSError:
    """The same kind of OSError, naming the target instead of a temporary name."""
    if exc.errno is None:  # numpy's "N requested and M written": a write cut short
        return type(exc)(f"cannot write {target}: a write stopped short ({exc}); is the disk full?")
    blocker = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:  # mkdir's "File exists" for a file standing where a folder must be
        return NotADirectoryError(errno.ENOTDIR, f"cannot write {target}: {blocker} is a file, not a folder")
    return type(exc)(exc.errno, f"cannot write {target}: {exc.strerror or exc}")


@contextmanager
def atomic_path(path: str | os.PathLike, *, suffix: str = "", fsync: bool = False) -> Iterator[Path]:
    """A temporary path beside ``path`` for a writer that wants a file name (``onnx.save``, ``np.savez``).

    When the block ends normally the temporary file replaces ``path``; on any exception
    (a cancelled generator's GeneratorExit included) it is removed and ``path`` is untouched.
    A process killed meanwhile leaves ``name.XXXXXXXX.partial<suffix>``, which
    :func:`clean_stale` removes at the next start.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with folder_lock(target.parent):
            fd, name = tempfile.mkstemp(prefix=target.name + ".", suffix=".partial" + suffix, dir=target.parent)
            held = _hold(fd)
    except OSError as exc:
        raise _publish_error(exc, target) from None
    tmp = Path(name)
    try:
        yield tmp
        try:
            if fsync:
                with open(tmp, "rb") as fh:
                    os.fsync(fh.fileno())
            os.chmod(tmp, _mode(target, folder=False))
            with folder_lock(target.parent):
                os.replace(tmp, target)
        except OSError as exc:
            raise _publish_error(exc, target) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        _release(held)


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb", *, encoding: str | None = None,
                newline: str | None = None, fsync: bool = False, compress: bool = False) -> Iterator[IO[Any]]:
    """``open()`` for writing that publishes the file only when the block ends without an error.

    With ``compress=True`` (binary mode) a name ending in .gz, .bz2 or .xz is written compressed."""
    if not mode.startswith("w"):
        raise ValueError(f"atomic_open writes whole files; mode must start with 'w', got {mode!r}")
    kind = compression_of(path) if compress else None
    if kind is not None and "b" not in mode:
        raise ValueError("compressed files are written in binary mode")
    with atomic_path(path) as tmp:
        with open(tmp, mode, encoding=encoding, newline=newline) as fh:
            if kind is None:
                yield fh
            else:
                with _compressor(kind, fh, Path(path)) as z:
                    yield z
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())


COMPRESSED_SUFFIXES = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}


def compression_of(path: str | os.PathLike) -> str | None:
    """"gzip", "bzip2" or "xz" when the file name asks for it, else None."""
    return COMPRESSED_SUFFIXES.get(Path(path).suffix.lower())


def _compressor(kind: str, fh: IO[bytes], path: Path) -> IO[bytes]:
    if kind == "gzip":  # level 6: nearly level 9's size at a third of the time; no time stamp inside
        return gzip.GzipFile(filename=path.stem, mode="wb", fileobj=fh, compresslevel=6, mtime=0)
    if kind == "bzip2":
        return bz2.BZ2File(fh, "wb")
    return lzma.LZMAFile(fh, "wb")


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, fsync: bool = False) -> Path:
    """Write ``data`` atomically; a full disk or a read-only folder raises OSError naming ``path``."""
    try:
        with atomic_open(path, "wb", fsync=fsync) as fh:
            fh.write(data)
    except OSError as exc:
        named = str(exc.strerror or "").startswith("cannot write")
        raise exc if named else _publish_error(exc, Path(path)) from None
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str, *, fsync: bool = False) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"), fsync=fsync)


def atomic_write_json(path: str | os.PathLike, obj: Any, *, indent: int = 1, fsync: bool = False) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=indent, ensure_ascii=False) + "\n", fsync=fsync)


@contextmanager
def atomic_folder(folder: str | os.PathLike) -> Iterator[Path]:
    """A temporary folder beside ``folder``; when the block ends normally it replaces ``folder``.

    The old folder (if any) is moved aside and the new one moved in under the parent's lock,
    and the old one removed after; a process killed between the two moves leaves the old
    one as ``name.XXXXXXXX.old/x``, which :func:`clean_stale` puts back.
    """
    target = Path(folder)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with folder_lock(target.parent):
            tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", suffix=".partial", dir=target.parent))
            held = _hold(os.open(tmp, os.O_RDONLY)) if fcntl is not None else None
    except OSError as exc:
        raise _publish_error(exc, target) from None
    try:
        yield tmp
        old = None
        try:
            os.chmod(tmp, _mode(target, folder=True))
            with folder_lock(target.parent):
                if target.exists() or target.is_symlink():
                    old = Path(tempfile.mkdtemp(prefix=target.name + ".", suffix=".old", dir=target.parent))
                    os.replace(target, old / "x")
                try:
                    os.replace(tmp, target)
                except OSError:
                    if old is not None:
                        os.replace(old / "x", target)
                    raise
        except OSError as exc:
            raise _publish_error(exc, target) from None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _release(held)


def _is_stale(p: Path) -> bool:
    """Nobody is writing it: no live process holds its lock (or, without locks, it is a day old)."""
    if fcntl is not None:
        try:
            fd = os.open(p, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
        except OSError:
            pass  # locks not supported here: fall back on the age
        finally:
            os.close(fd)
    try:
        return time.time() - p.lstat().st_mtime > STALE_WITHOUT_LOCKS_S
    except OSError:
        return False


def clean_stale(folder: str | os.PathLike, *, depth: int = 1) -> list[str]:
    """Tidy what writers killed mid-way left in ``folder`` (and its subfolders, ``depth`` levels):
    temporary files and folders no live process is writing are removed, and an old folder moved
    aside by a publish that never finished is put back. Returns one line per thing done."""
    root = Path(folder)
    done: list[str] = []
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return done
    with folder_lock(root):
        for entry in entries:
            m = TEMP_NAME.match(entry.name)
            p = Path(entry.path)
            if m is None or not _is_stale(p):
                continue
            target = root / m["name"]
            try:
                if m["kind"] == "old" and (p / "x").exists() and not (target.exists() or target.is_symlink()):
                    os.replace(p / "x", target)
                    done.append(f"{target}: put back (a newer copy was being moved in when the app stopped)")
                else:
                    done.append(f"{p}: removed (an unfinished write of {m['name']}; only that work was lost)")
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
            except OSError:
                continue  # a read-only folder: leave it
    if depth > 1:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and TEMP_NAME.match(entry.name) is None:
                done += clean_stale(entry.path, depth=depth - 1)
    return done


def sha256_file(path: str | os.PathLike, chunk: int = CHUNK) -> str:
    """Hex sha256 of a file's bytes, read in 4 MiB blocks."""
    return run_sync(sha256_job(path, chunk))


def sha256_job(path: str | os.PathLike, chunk: int = CHUNK) -> Job[str]:
    """:func:`sha256_file` as a job: a Progress after each block ("checking NAME (N MB)"), the hex digest returned."""
    path = Path(path)
    size = max(path.stat().st_size, 1)
    h = hashlib.sha256()
    done = 0
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
            done += len(block)
            yield Progress(done / size, f"checking {path.name} ({done / 1e6:.0f} MB)")
    return h.hexdigest()


def file_stat_key(path: str | os.PathLike) -> tuple[str, int, int]:
    """This version of a file as ``(resolved path, size, modification time in ns)``: a changed or
    replaced file gives another tuple. For in-memory caches whose keys add parts of their own."""
    p = Path(path)
    st = p.stat()
    return str(p.resolve()), st.st_size, st.st_mtime_ns


def file_key(path: str | os.PathLike, *extra: object) -> str:
    """A short hex key for this version of a file (:func:`file_stat_key`) and ``extra`` (the options
    it was read with), fit for a file or folder name; a changed or replaced file gets a new key."""
    ident = "|".join(str(part) for part in (*file_stat_key(path), *extra))
    return hashlib.sha1(ident.encode("utf-8", "surrogatepass")).hexdigest()[:16]
