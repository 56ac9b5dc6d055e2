"""Seeded malformed embedding files for benchmarks/fuzz_loaders.py (and its short run in the tests).

``make_cases(words, vectors, n, seed)`` yields :class:`Case` s: the files to write (the embedding
file and its companions), which one to open, the member of a .zip, a forced format or None, and
load options. Every case starts from a well-formed file of one format, then:

* the content is mutated (or not, ~8%): truncations, bit flips, byte edits, wrong header counts,
  huge declared sizes (10^12 rows, 10^9 dimensions, an .npy shape of 10^12), mixed encodings, ragged
  rows, NaN/Inf, duplicate words, empty files, 2 MB lines, garbage, CRLF, a pickled object array
  that would run code if it were ever unpickled;
* it is stored plain, gzip, bzip2 or xz compressed, or in a .zip (alone, with others, nested gzip);
* the compressed bytes or the archive are sometimes damaged too (truncated, bit flips, a bad
  central directory, sizes that lie).
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import pickle
import struct
import zipfile
from dataclasses import dataclass, field

import numpy as np

FORMATS = ("glove", "word2vec-text", "fasttext-vec", "word2vec-binary", "projector-tsv", "numpy")
SENTINEL = "FUZZ_PICKLE_RAN"  # a file the evil pickle would create: its existence is a failure


@dataclass
class Case:
    id: int
    base: str  # the well-formed format it started as
    mutation: str
    container: str
    files: dict[str, bytes]  # name -> bytes, written into one folder
    open_name: str
    member: str | None = None
    fmt: str | None = None
    opts: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.base}/{self.mutation}/{self.container}"


# -- well-formed files ------------------------------------------------------------------------
def _text(words, vectors, header: bool, trailing: str = "") -> bytes:
    lines = [f"{len(words)} {vectors.shape[1]}"] if header else []
    lines += [w + " " + " ".join(f"{x:.5g}" for x in v) + trailing for w, v in zip(words, vectors.tolist())]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _binary(words, vectors, newline: bool = True) -> bytes:
    out = [f"{len(words)} {vectors.shape[1]}\n".encode()]
    for w, v in zip(words, vectors.astype("<f4")):
        out.append(w.encode() + b" " + v.tobytes() + (b"\n" if newline else b""))
    return b"".join(out)


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def base_case(rng: np.random.Generator, words: list[str], vectors: np.ndarray) -> tuple[str, str, dict[str, bytes]]:
    """(format, main file name, files) of one well-formed file of a random format."""
    n = int(rng.integers(1, min(len(words), 120) + 1))
    start = int(rng.integers(0, len(words) - n + 1))
    w, v = words[start:start + n], vectors[start:start + n, : int(rng.integers(1, vectors.shape[1] + 1))]
    base = FORMATS[int(rng.integers(len(FORMATS)))]
    if base == "glove":
        return base, "vectors.txt", {"vectors.txt": _text(w, v, False)}
    if base == "word2vec-text":
        return base, "w2v.txt", {"w2v.txt": _text(w, v, True)}
    if base == "fasttext-vec":
        return base, "wiki.vec", {"wiki.vec": _text(w, v, True, trailing=" ")}
    if base == "word2vec-binary":
        return base, "w2v.bin", {"w2v.bin": _binary(w, v, newline=bool(rng.integers(2)))}
    if base == "projector-tsv":
        vec = ("\n".join("\t".join(f"{x:.5g}" for x in row) for row in v.tolist()) + "\n").encode()
        meta = ("word\trank\n" + "\n".join(f"{x}\t{i}" for i, x in enumerate(w)) + "\n").encode()
        return base, "vectors.tsv", {"vectors.tsv": vec, "metadata.tsv": meta}
    if rng.integers(2):
        return base, "emb.npy", {"emb.npy": _npy(v.astype(np.float32)), "emb.vocab": ("\n".join(w) + "\n").encode()}
    return base, "emb.npz", {"emb.npz": _npz(vectors=v.astype(np.float32), words=np.array(w))}


# -- content mutations: (rng, data, name) -> data -------------------------------------------------
def _cut(rng, data, _n):
    return data[: int(rng.integers(0, max(len(data), 1)))]


def _flip(rng, data, _n):
    b = bytearray(data)
    for _ in range(int(rng.integers(1, 9))):
        if b:
            b[int(rng.integers(len(b)))] ^= 1 << int(rng.integers(8))
    return bytes(b)


def _edit(rng, data, _n):
    b = bytearray(data)
    for _ in range(int(rng.integers(1, 6))):
        at = int(rng.integers(0, len(b) + 1))
        op = int(rng.integers(3))
        if op == 0:
            b[at:at] = bytes(rng.integers(0, 256, int(rng.integers(1, 16)), dtype=np.uint8))
        elif op == 1:
            del b[at: at + int(rng.integers(1, 32))]
        elif b:
            b[min(at, len(b) - 1)] = int(rng.choice([0x00, 0x0A, 0x0D, 0x20, 0x09, 0x2D, 0x2E, 0x65, 0xFF]))
    return bytes(b)


def _header(rng, data, name):
    first, nl, rest = data.partition(b"\n")
    if name.endswith(".npy") or name.endswith(".npz"):
        return _npy_shape(rng, data, name)
    big = [0, 1, 3, 10 ** 12, 999_999_999, 2 ** 31, 2 ** 63, -5, 7]
    count, dim = (int(rng.choice(big)) for _ in range(2))
    head = f"{count} {dim}".encode() if rng.integers(4) else b"12 x"
    return (head + b"\n" + rest) if nl and first.replace(b" ", b"").isdigit() else head + b"\n" + data


def _npy_shape(rng, data, name):
    shape = str((int(rng.choice([10 ** 12, 2 ** 40, 3, 0, 1])), int(rng.choice([50, 10 ** 9, 0, 3]))))
    descr = str(rng.choice(["<f4", "<f8", "|O", "<U3", "<c8", "|b1", "{'names':['a'],'formats':['<f4']}"]))
    header = "{'descr': " + (descr if descr.startswith("{") else repr(descr)) + ", 'fortran_order': " + \
        str(bool(rng.integers(2))) + ", 'shape': " + shape + ", }"
    body = data[128:] if data.startswith(b"\x93NUMPY") else data
    raw = b"\x93NUMPY\x01\x00" + struct.pack("<H", 118) + header[:117].ljust(117).encode() + b"\n" + body
    if name.endswith(".npz"):
        return _zip_bytes({"vectors.npy": raw, "words.npy": _npy(np.array(["a", "b", "c"]))})
    return raw


def _encoding(rng, data, _n):
    lines = data.split(b"\n")
    i = int(rng.integers(len(lines)))
    bad = [b"caf\xe9", b"\xff\xfe", b"\xc3\x28", b"\xef\xbb\xbf", "日本".encode("utf-16"), b"\xed\xa0\x80"]
    lines[i] = bad[int(rng.integers(len(bad)))] + b" " + lines[i]
    return b"\n".join(lines)


def _on_a_line(rng, data, change):
    """Apply change(rng, fields) to the fields of one random line (tab- or space-separated)."""
    lines = data.split(b"\n")
    i = int(rng.integers(len(lines)))
    sep = b"\t" if b"\t" in lines[i] else b" "
    parts = lines[i].split(sep)
    change(rng, parts)
    lines[i] = sep.join(parts)
    return b"\n".join(lines)


def _ragged_fields(rng, parts):
    if rng.integers(2) and len(parts) > 1:
        parts.pop(int(rng.integers(1, len(parts))))
    else:
        parts.append(b"0.5")


def _nan_field(rng, parts):
    if len(parts) > 1:
        parts[int(rng.integers(1, len(parts)))] = bytes(rng.choice([b"nan", b"inf", b"-inf", b"NaN", b"1e999"]))


def _ragged(rng, data, _n):
    return _on_a_line(rng, data, _ragged_fields)


def _nan(rng, data, _n):
    return _on_a_line(rng, data, _nan_field)


def _duplicate(rng, data, _n):
    lines = [x for x in data.split(b"\n")]
    i = int(rng.integers(len(lines)))
    lines.insert(int(rng.integers(i, len(lines) + 1)), lines[i])
    return b"\n".join(lines)


def _long_line(rng, data, _n):
    at = int(rng.integers(0, len(data) + 1))
    return data[:at] + b"word " + b"0.1 " * int(rng.choice([300_000, 600_000])) + data[at:]


def _garbage(rng, data, _n):
    return bytes(rng.integers(0, 256, int(rng.integers(1, 4096)), dtype=np.uint8))


def _crlf(rng, data, _n):
    return data.replace(b"\n", b"\r\n")


def _pickle(rng, data, name):
    """An object array whose pickle would create SENTINEL if it were ever unpickled."""
    class Evil:
        def __reduce__(self):
            return (open, (SENTINEL, "w"))
    arr = np.empty((2, 2), dtype=object)
    arr[:] = Evil()
    blob = b"\x93NUMPY\x01\x00" + struct.pack("<H", 118) + \
        "{'descr': '|O', 'fortran_order': False, 'shape': (2, 2), }".ljust(117).encode() + b"\n" + \
        pickle.dumps(arr, protocol=3)
    if name.endswith(".npz"):
        return _zip_bytes({"vectors.npy": blob, "words.npy": _npy(np.array(["a", "b"]))})
    return blob


CONTENT = {"none": None, "cut": _cut, "flip": _flip, "edit": _edit, "header": _header, "encoding": _encoding,
           "ragged": _ragged, "nan": _nan, "duplicate": _duplicate, "empty": lambda r, d, n: b"",
           "long-line": _long_line, "garbage": _garbage, "crlf": _crlf, "pickle": _pickle}
WEIGHTS = {"none": 2, "cut": 3, "flip": 3, "edit": 3, "header": 2, "encoding": 1, "ragged": 2, "nan": 1,
           "duplicate": 1, "empty": 0.5, "long-line": 0.3, "garbage": 1, "crlf": 0.7, "pickle": 0.5}


# -- containers ---------------------------------------------------------------------------------
def _zip_bytes(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _damage_zip(rng, data: bytes) -> bytes:
    b = bytearray(data)
    where = data.rfind(b"PK\x01\x02") if rng.integers(2) else data.find(b"PK\x03\x04")
    if where >= 0:  # inside a header: sizes, offsets, name lengths, flags
        for _ in range(int(rng.integers(1, 4))):
            i = where + int(rng.integers(4, 46))
            if i < len(b):
                b[i] = int(rng.integers(256))
    return bytes(b)


def pack(rng, name: str, files: dict[str, bytes], main: bytes) -> tuple[str, str, dict[str, bytes], str | None]:
    """(container, name to open, files, member) with the main file stored in a container."""
    kind = str(rng.choice(["plain", "plain", "gz", "bz2", "xz", "zip", "zip-many", "zip-gz"]))
    others = {k: v for k, v in files.items() if k != name}
    if kind == "plain":
        return kind, name, {**others, name: main}, None
    if kind in ("gz", "bz2", "xz"):
        packed = {"gz": lambda d: gzip.compress(d, 1, mtime=0), "bz2": lambda d: bz2.compress(d, 1),
                  "xz": lambda d: lzma.compress(d, preset=0)}[kind](main)
        comp = {k + "." + kind: (gzip.compress(v, 1, mtime=0) if kind == "gz" else v) if k.endswith(".tsv") else v
                for k, v in others.items()}
        return kind, name + "." + kind, {**comp, name + "." + kind: packed}, None
    inner = {name + ".gz": gzip.compress(main, 1, mtime=0)} if kind == "zip-gz" else {name: main}
    inner.update(others)
    if kind == "zip-many":
        inner["other/more.txt"] = b"x 1 2\ny 3 4\n"
    member = (name + ".gz" if kind == "zip-gz" else name) if kind == "zip-many" or rng.integers(4) == 0 else None
    return kind, "archive.zip", {"archive.zip": _zip_bytes(inner, int(rng.choice([0, 8, 12, 14])))}, member


def damage_container(rng, kind: str, data: bytes) -> tuple[str, bytes]:
    if kind == "plain" or rng.random() > 0.3:
        return "", data
    if kind.startswith("zip") and rng.integers(2):
        return "+zip-damage", _damage_zip(rng, data)
    if rng.integers(2):
        return "+cut", data[: int(rng.integers(0, len(data)))]
    return "+flip", _flip(rng, data, "")


def make_cases(words: list[str], vectors: np.ndarray, n: int, seed: int, start: int = 0):
    rng = np.random.default_rng(seed)
    names = list(CONTENT)
    p = np.array([WEIGHTS[k] for k in names], dtype=float)
    p /= p.sum()
    for i in range(start, start + n):
        base, name, files = base_case(rng, words, vectors)
        mutation = names[int(rng.choice(len(names), p=p))]
        main = files[name]
        if CONTENT[mutation] is not None:
            main = CONTENT[mutation](rng, main, name)
        container, open_name, out, member = pack(rng, name, files, main)
        harm, out[open_name] = damage_container(rng, container, out[open_name])
        fmt = None if rng.random() < 0.8 else FORMATS[int(rng.integers(len(FORMATS)))]
        opts = {}
        if rng.random() < 0.25:
            opts = {"limit": int(rng.integers(1, 50)) if rng.integers(2) else None,
                    "lowercase": bool(rng.integers(2)), "dtype": str(rng.choice(["float32", "float16"])),
                    "encoding": str(rng.choice(["utf-8", "latin-1"]))}
        yield Case(i, base, mutation, container + harm, out, open_name, member, fmt, opts)
