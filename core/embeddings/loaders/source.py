"""Where an embedding file's bytes come from: a plain file, a compressed one (gzip, bzip2,
xz) or a member of a .zip archive, seen through as one stream of the content.

    src = describe("GoogleNews-vectors-negative300.bin.gz")   # layers ('gzip',)
    with src.open() as f:                                      # the decompressed bytes
        f.read(1 << 20); f.fraction()                          # progress by compressed bytes read

Compression is recognised by its magic bytes (a ``.gz`` name holding plain text opens as
plain text). A .zip with one embedding file opens it; with several, a member must be
chosen (:class:`ArchiveMemberError` lists them). A .zip that holds only ``.npy`` arrays is a
NumPy ``.npz`` and is left whole. Damaged compressed data raises FileFormatError naming the
archive, the member and how far the content got.
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import queue
import struct
import tempfile
import threading
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from ...errors import FileFormatError

BLOCK = 1 << 20
MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"))
SUFFIX = {"gzip": (".gz", ".gzip"), "bzip2": (".bz2", ".bz"), "xz": (".xz",), "zip": (".zip",)}
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
MAX_LAYERS = 3  # a zip member compressed twice is the most anyone ships
LZMA_MEMORY = 256 << 20
_DAMAGE = (EOFError, OSError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, RuntimeError, NotImplementedError,
           ValueError, struct.error, OverflowError)
_NOT_EMBEDDINGS = ("readme", "license", "licence", "copying", "notice", "changelog")
_DOC_SUFFIXES = (".md", ".pdf", ".html", ".htm", ".rst", ".json", ".py", ".sh", ".cfg", ".ini", ".xml")


class ArchiveMemberError(FileFormatError):
    """A .zip holds several embedding files (or not the one asked for): ``members`` lists them."""

    def __init__(self, path: str | Path, message: str, members: list[str], **kw) -> None:
        self.members = list(members)
        super().__init__(path, message, **kw)


@dataclass(frozen=True)
class Source:
    path: str  # the file on disk
    member: str | None = None  # the member of a .zip archive
    layers: tuple[str, ...] = ()  # outermost first: ("zip", "gzip") = a gzip member of a zip
    inner_name: str = ""  # the content's own name: "glove.txt" for glove.txt.gz
    size: int = 0  # bytes on disk
    content_size: int | None = None  # bytes of content when known before reading (plain files, zip members)
    siblings: tuple[str, ...] = field(default=(), repr=False)  # the other members of the archive

    @property
    def display(self) -> str:
        """How errors name it: the file, and the member of an archive."""
        return self.path if self.member is None else f"{self.path} (member {self.member})"

    @property
    def plain(self) -> bool:
        return not self.layers

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.inner_name).suffix.lower()

    @property
    def stem(self) -> str:
        return PurePosixPath(self.inner_name).stem

    def open(self, *, read_ahead: bool = False) -> "Stream":
        """The content as a binary stream (close it, or use ``with``). With ``read_ahead`` a
        compressed file is decompressed by a second thread while the caller parses (zlib, bz2 and
        lzma release the GIL), a few blocks ahead."""
        raw = open(self.path, "rb")
        try:
            stream = _open_layers(self, raw)
        except BaseException:
            raw.close()
            raise
        if read_ahead and not self.plain:
            stream.read_ahead()
        return stream

    def open_seekable(self) -> IO[bytes]:
        """A seekable file of the content (a zip inside compression): the file itself when plain,
        else the content copied into a temporary file (memory up to 64 MB)."""
        if self.plain:
            return open(self.path, "rb")
        out = tempfile.SpooledTemporaryFile(max_size=64 << 20)
        with self.open() as f:
            while block := f.read(BLOCK):
                out.write(block)
        out.seek(0)
        return out

    def sibling(self, name: str) -> "Source | None":
        """Another file beside this one (in the same archive folder, or the same folder on disk),
        also found compressed (``metadata.tsv.gz``)."""
        names = [name] + [name + s for kind in ("gzip", "bzip2", "xz") for s in SUFFIX[kind][:1]]
        if self.member is not None:
            folder = PurePosixPath(self.member).parent
            for cand in names:
                m = str(folder / cand) if str(folder) != "." else cand
                if m in self.siblings and m != self.member:
                    return describe(self.path, m)
            return None
        for cand in names:
            p = Path(self.path).with_name(cand)
            if p.is_file() and p.resolve() != Path(self.path).resolve():
                return describe(p)
        return None


class Stream:
    """Reads the content; errors of damaged compressed data become FileFormatError."""

    def __init__(self, src: Source, raw: IO[bytes], reader: IO[bytes], start: int = 0, span: int | None = None,
                 closers: tuple = ()) -> None:
        self.src = src
        self._raw = raw
        self._reader = reader
        self._start = start
        self._span = max(span if span is not None else src.size, 1)
        self._closers = closers
        self.consumed = 0  # content bytes delivered (for error messages)
        if src.plain:  # the fast path: no wrapper around the file's own read
            self.read = reader.read  # type: ignore[method-assign]
            self.readline = reader.readline  # type: ignore[method-assign]

    def read(self, n: int = -1) -> bytes:
        try:
            data = self._reader.read(-1 if n is None else n)
        except _DAMAGE as exc:
            raise self.damaged(exc) from None
        self.consumed += len(data)
        return data

    def readline(self, limit: int = -1) -> bytes:
        try:
            data = self._reader.readline(limit)
        except _DAMAGE as exc:
            raise self.damaged(exc) from None
        self.consumed += len(data)
        return data

    def read_ahead(self) -> None:
        self._reader = ReadAhead(self._reader)

    def tell(self) -> int:
        """Content bytes read so far."""
        return self._reader.tell() if self.src.plain else self.consumed

    def fraction(self) -> float:
        """How far through the bytes on disk (compressed bytes for compressed files)."""
        try:
            pos = self._raw.tell() - self._start
        except (OSError, ValueError):
            return 0.0
        return min(max(pos / self._span, 0.0), 1.0)

    def damaged(self, exc: BaseException) -> FileFormatError:
        """The error for compressed data that cannot be read, at the compressed byte reached."""
        kind = self.src.layers[-1] if self.src.layers else "file"
        what = (str(exc) or type(exc).__name__)[:200]
        try:
            at = self._raw.tell()
        except (OSError, ValueError):
            at = None
        if isinstance(exc, EOFError) or "ended before" in what:
            return FileFormatError(self.src.display, f"the {kind} data ends early, after {self.consumed:,} bytes "
                                   f"of content ({what})", expected=f"a complete {kind} stream (a download cut short?)",
                                   offset=at)
        return FileFormatError(self.src.display, f"the {kind} data is damaged after {self.consumed:,} bytes of "
                               f"content ({what})", expected=f"valid {kind} data", offset=at)

    def close(self) -> None:
        for c in (self._reader, *self._closers, self._raw):
            try:
                c.close()
            except _DAMAGE:
                pass

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ReadAhead:
    """Blocks of a reader read by a second thread into a short queue; ``read`` and ``readline`` take
    them in order. An exception in the thread is raised by the read that reaches it."""

    DEPTH = 4

    def __init__(self, reader: IO[bytes]) -> None:
        self._reader = reader
        self._queue: queue.Queue = queue.Queue(self.DEPTH)
        self._stop = threading.Event()
        self._buf, self._pos, self._eof = b"", 0, False
        self._thread = threading.Thread(target=self._produce, name="decompress-ahead", daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        while not self._stop.is_set():
            try:
                item: bytes | BaseException = self._reader.read(BLOCK)
            except BaseException as exc:  # noqa: BLE001 - handed to the reader, in order
                item = exc
            while not self._stop.is_set():
                try:
                    self._queue.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if not isinstance(item, bytes) or not item:
                return

    def _more(self) -> bool:
        if self._eof:
            return False
        item = self._queue.get()
        if isinstance(item, BaseException):
            self._eof = True
            raise item
        if not item:
            self._eof = True
            return False
        self._buf, self._pos = self._buf[self._pos:] + item, 0
        return True

    def read(self, n: int = -1) -> bytes:
        while (n < 0 or len(self._buf) - self._pos < n) and self._more():
            pass
        end = len(self._buf) if n < 0 else self._pos + n
        out, self._pos = self._buf[self._pos:end], min(end, len(self._buf))
        return out

    def readline(self, limit: int = -1) -> bytes:
        while True:
            nl = self._buf.find(b"\n", self._pos)
            have = len(self._buf) - self._pos
            if nl >= 0 or (0 <= limit <= have) or not self._more():
                break
        end = nl + 1 if nl >= 0 else len(self._buf)
        if limit >= 0:
            end = min(end, self._pos + limit)
        out, self._pos = self._buf[self._pos:end], end
        return out

    def tell(self) -> int:
        return 0

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._reader.close()


def lzma_memlimit(size: int) -> int:
    """The most memory an LZMA/xz decoder may take for a file of ``size`` bytes: a header can ask
    for a dictionary of up to 4 GiB; real files use at most 64 MiB (xz -9) unless made bigger."""
    return max(LZMA_MEMORY, 4 * size)


def _wrap(kind: str, f: IO[bytes], size: int) -> IO[bytes]:
    if kind == "gzip":
        return gzip.GzipFile(fileobj=f, mode="rb")
    if kind == "bzip2":
        return bz2.BZ2File(f, "rb")
    try:  # lzma.LZMAFile has no memory limit; its reader with one (LZMAError past it, not a huge allocation)
        import _compression

        raw = _compression.DecompressReader(f, lzma.LZMADecompressor, trailing_error=lzma.LZMAError,
                                            memlimit=lzma_memlimit(size))
        return io.BufferedReader(raw)
    except (ImportError, TypeError):
        return lzma.LZMAFile(f, "rb")


def check_zip_member(raw: IO[bytes], info: zipfile.ZipInfo, where: str) -> None:
    """Refuse an LZMA member whose header asks for a dictionary beyond the memory limit, before
    zipfile allocates it (its raw LZMA decoder takes no limit)."""
    if info.compress_type != zipfile.ZIP_LZMA:
        return
    try:
        raw.seek(info.header_offset)
        local = raw.read(30)
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        raw.seek(info.header_offset + 30 + name_len + extra_len)
        props = raw.read(9)
        dict_size = struct.unpack("<I", props[5:9])[0]
    except (OSError, ValueError, struct.error):
        return  # zipfile will say what is wrong with it
    limit = lzma_memlimit(info.compress_size)
    if dict_size > limit:
        raise FileFormatError(where, f"the LZMA data asks for a {dict_size:,}-byte dictionary",
                              expected=f"at most {limit:,} bytes (a damaged header?)", offset=info.header_offset)


def _open_zip(path: str, raw: IO[bytes]) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(raw)
    except (*_DAMAGE, struct.error, OverflowError, UnicodeDecodeError, IndexError) as exc:
        try:
            end = max(raw.seek(0, os.SEEK_END) - 22, 0)
        except (OSError, ValueError):
            end = None
        raise FileFormatError(path, f"not a readable zip archive: its directory at the end cannot be read "
                              f"({str(exc)[:200]})", expected="a .zip archive", offset=end) from None


def _open_layers(src: Source, raw: IO[bytes]) -> Stream:
    reader: IO[bytes] = raw
    start, span, closers = 0, None, ()
    layers = list(src.layers)
    if layers and layers[0] == "zip":
        layers.pop(0)
        zf = _open_zip(src.path, raw)
        try:
            info = zf.getinfo(src.member or "")
            check_zip_member(raw, info, src.display)
            reader = zf.open(info)
        except KeyError:
            zf.close()
            raise FileFormatError(src.path, f"no member {src.member!r} in the archive") from None
        except FileFormatError:
            zf.close()
            raise
        except (*_DAMAGE, struct.error, OverflowError) as exc:
            zf.close()
            raise FileFormatError(src.display, f"this member cannot be read ({str(exc)[:200]})",
                                  expected="an unencrypted member stored or deflated/bzip2/lzma",
                                  offset=info.header_offset) from None
        start, span, closers = info.header_offset, info.compress_size + 30 + len(info.filename), (zf,)
    for kind in layers:
        reader = _wrap(kind, reader, src.size)
    return Stream(src, raw, reader, start, span, closers)


def _head(f: IO[bytes], n: int = 8) -> bytes:
    try:
        return f.read(n)
    except _DAMAGE:
        return b""


def _strip(name: str, kind: str) -> str:
    for s in SUFFIX[kind]:
        if name.lower().endswith(s) and len(name) > len(s):
            return name[: -len(s)]
    return name


def is_npz(names: list[str]) -> bool:
    """numpy.savez writes only ``<name>.npy`` members."""
    return bool(names) and all(n.endswith(".npy") for n in names)


def candidates(names: list[str]) -> list[str]:
    """The members of an archive that may be embedding files (not folders, docs, companions)."""
    files = [n for n in names if not n.endswith("/") and "__MACOSX/" not in n]
    files = [n for n in files if not PurePosixPath(n).name.startswith(".")]
    out = []
    have_tsv = any(_base(n).endswith(".tsv") and not _is_metadata(n) for n in files)
    have_npy = any(_base(n).endswith((".npy", ".npz")) for n in files)
    for n in files:
        low = PurePosixPath(_base(n)).name.lower()
        if low.startswith(_NOT_EMBEDDINGS) or low.endswith(_DOC_SUFFIXES):
            continue
        if have_tsv and _is_metadata(n):
            continue
        if have_npy and (low.endswith((".vocab", "_vocab.txt", ".vocab.txt")) or low in ("vocab.txt", "words.txt")):
            continue
        out.append(n)
    return out


def _base(name: str) -> str:
    for kind in ("gzip", "bzip2", "xz"):
        name = _strip(name, kind)
    return name.lower()


def _is_metadata(name: str) -> bool:
    low = PurePosixPath(_base(name)).name
    return low.endswith(".tsv") and "metadata" in low


def archive_members(path: str | os.PathLike) -> list[str]:
    """The members of a .zip that may be embedding files; [] for anything else (an .npz included)."""
    try:
        with open(path, "rb") as raw:
            if not raw.read(4).startswith(ZIP_MAGIC):
                return []
            raw.seek(0)
            with _open_zip(str(path), raw) as zf:
                names = [i.filename for i in zf.infolist() if not i.is_dir()]
    except (OSError, FileFormatError):
        return []
    if Path(path).suffix.lower() == ".npz" or is_npz(names):
        return []
    return candidates(names)


def describe(path: str | os.PathLike, member: str | None = None) -> Source:
    """Look at a file (and the member of an archive) and say how to read its content."""
    p = Path(path)
    if not p.exists():
        raise FileFormatError(p, "no such file")
    if p.is_dir():
        raise FileFormatError(p, "this is a folder", expected="an embedding file")
    size = p.stat().st_size
    name, layers, content_size, siblings = p.name, [], size, ()
    try:
        raw = open(p, "rb")
    except OSError as exc:
        raise FileFormatError(p, f"cannot be read ({exc.strerror or exc})", expected="a file this user may read") \
            from None
    with raw:
        head = raw.read(8)
        if head.startswith(ZIP_MAGIC) or (member is not None and zipfile.is_zipfile(raw)):
            raw.seek(0)
            with _open_zip(str(p), raw) as zf:
                infos = [i for i in zf.infolist() if not i.is_dir()]
                names = [i.filename for i in infos]
                if member is None and (p.suffix.lower() == ".npz" or is_npz(names)):
                    return Source(str(p), inner_name=p.name, size=size, content_size=size)
                chosen = _choose(str(p), names, member)
                info = zf.getinfo(chosen)
                layers, member, name, content_size = ["zip"], chosen, PurePosixPath(chosen).name, info.file_size
                siblings = tuple(names)
        elif member is not None:
            raise FileFormatError(p, f"a member ({member!r}) was given but this is not a .zip archive",
                                  expected="a .zip archive", offset=0)
    src = Source(str(p), member, tuple(layers), name, size, content_size, siblings)
    while len(src.layers) < MAX_LAYERS:
        with src.open() as f:
            head = _head(f)
        kind = next((k for magic, k in MAGIC if head.startswith(magic)), None)
        if kind is None:
            break
        src = Source(src.path, src.member, src.layers + (kind,), _strip(src.inner_name, kind), size, None, siblings)
    return src


def _choose(path: str, names: list[str], member: str | None) -> str:
    cands = candidates(names)
    if member is not None:
        if member in names:
            return member
        raise ArchiveMemberError(path, f"no member {member!r} in the archive", cands or names,
                                 expected="one of: " + ", ".join(cands or names))
    if len(cands) == 1:
        return cands[0]
    if not cands:
        shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "") if names else "nothing"
        raise ArchiveMemberError(path, f"no embedding file in the archive (it holds {shown})", [],
                                 expected="a .zip holding an embedding file")
    raise ArchiveMemberError(path, f"the archive holds {len(cands)} embedding files: {', '.join(cands)}", cands,
                             expected="one of them chosen (the Open dialog asks; on the command line: --member NAME)")


__all__ = ["ArchiveMemberError", "Source", "Stream", "archive_members", "candidates", "describe", "is_npz"]
