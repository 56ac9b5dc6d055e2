"""Reading the content of a file through its layers (a zip member, gzip, bzip2, xz) as one
binary stream, with progress by the bytes read on disk and errors that say where the compressed
data broke. core.embeddings.loaders.source decides the layers; this opens them.
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import queue
import struct
import threading
import zipfile
import zlib
from typing import IO

from ...errors import FileFormatError

BLOCK = 1 << 20
LZMA_MEMORY = 256 << 20
DAMAGE = (EOFError, OSError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, RuntimeError, NotImplementedError,
          ValueError, struct.error, OverflowError)


class Stream:
    """Reads the content; errors of damaged compressed data become FileFormatError."""

    def __init__(self, src, raw: IO[bytes], reader: IO[bytes], start: int = 0, span: int | None = None,
                 closers: tuple = ()) -> None:
        self.src = src
        self._raw = raw
        self._reader = reader
        self._start = start
        self._span = max(span if span is not None else src.size, 1)
        self._reached = 0.0  # the furthest fraction reported
        self._closers = closers
        self.consumed = 0  # content bytes delivered (for error messages)
        if src.plain:  # the fast path: no wrapper around the file's own read
            self.read = reader.read  # type: ignore[method-assign]
            self.readline = reader.readline  # type: ignore[method-assign]

    def read(self, n: int = -1) -> bytes:
        try:
            data = self._reader.read(-1 if n is None else n)
        except DAMAGE as exc:
            raise self.damaged(exc) from None
        self.consumed += len(data)
        return data

    def readline(self, limit: int = -1) -> bytes:
        try:
            data = self._reader.readline(limit)
        except DAMAGE as exc:
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
            return self._reached
        # never backwards: the read-ahead thread moves the file position while this reads it
        self._reached = max(self._reached, min(max(pos / self._span, 0.0), 1.0))
        return self._reached

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
            except DAMAGE:
                pass

    def __enter__(self) -> Stream:
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


def open_zip(path: str, raw: IO[bytes]) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(raw)
    except (*DAMAGE, struct.error, OverflowError, UnicodeDecodeError, IndexError) as exc:
        try:
            end = max(raw.seek(0, os.SEEK_END) - 22, 0)
        except (OSError, ValueError):
            end = None
        raise FileFormatError(path, f"not a readable zip archive: its directory at the end cannot be read "
                              f"({str(exc)[:200]})", expected="a .zip archive", offset=end) from None


def open_layers(src, raw: IO[bytes]) -> Stream:
    """The content of ``src`` (a loaders.source.Source) read from its open file ``raw``."""
    reader: IO[bytes] = raw
    start, span, closers = 0, None, ()
    layers = list(src.layers)
    if layers and layers[0] == "zip":
        layers.pop(0)
        zf = open_zip(src.path, raw)
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
        except (*DAMAGE, struct.error, OverflowError) as exc:
            zf.close()
            raise FileFormatError(src.display, f"this member cannot be read ({str(exc)[:200]})",
                                  expected="an unencrypted member stored or deflated/bzip2/lzma",
                                  offset=info.header_offset) from None
        start, span, closers = info.header_offset, info.compress_size + 30 + len(info.filename), (zf,)
    for kind in layers:
        reader = _wrap(kind, reader, src.size)
    return Stream(src, raw, reader, start, span, closers)
