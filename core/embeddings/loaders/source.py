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

import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from ...errors import FileFormatError
from .stream import BLOCK, DAMAGE, Stream, open_layers, open_zip

MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"))
SUFFIX = {"gzip": (".gz", ".gzip"), "bzip2": (".bz2", ".bz"), "xz": (".xz",), "zip": (".zip",)}
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
MAX_LAYERS = 3  # a zip member compressed twice is the most anyone ships
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

    def open(self, *, read_ahead: bool = False) -> Stream:
        """The content as a binary stream (close it, or use ``with``). With ``read_ahead`` a
        compressed file is decompressed by a second thread while the caller parses (zlib, bz2 and
        lzma release the GIL), a few blocks ahead."""
        raw = open(self.path, "rb")
        try:
            stream = open_layers(self, raw)
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

    def sibling(self, name: str) -> Source | None:
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


def _head(f: IO[bytes], n: int = 8) -> bytes:
    try:
        return f.read(n)
    except DAMAGE:
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
            with open_zip(str(path), raw) as zf:
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
            with open_zip(str(p), raw) as zf:
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
