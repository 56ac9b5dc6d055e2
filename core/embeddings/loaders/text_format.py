"""Streaming reader for text embedding files: GloVe (no header), word2vec text
and fastText .vec (an "N D" header line). One word and D numbers per line.

The file is read in 1 MB blocks; each block's numbers are parsed by numpy in one
call, and only a block that fails is re-read line by line to find the exact
line and column of the problem.
"""
from __future__ import annotations

import io
import warnings

import numpy as np

from ...errors import FileFormatError
from ...progress import Job, Progress
from .common import Duplicates, LoadOptions, RawEmbeddings, decode_word, located
from .source import Source

BLOCK = 1 << 20  # ~30 ms of parsing per block: numpy holds the GIL that long at most
MAX_LINE = 1 << 20
MAX_DIM = MAX_LINE // 2  # numbers that fit on the longest line ("0 " each)


def parse_header(line: bytes) -> tuple[int, int] | None:
    if b"\t" in line:
        return None
    parts = line.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None


def read_text(src: Source, opts: LoadOptions, *, header: bool | None = None) -> Job[RawEmbeddings]:
    """header: True = word2vec/fastText "N D" first line, False = GloVe, None = detect."""
    path = src.display
    words: list[str] = []
    rows = _Rows()
    blocks: list[np.ndarray] = []
    dim: int | None = None
    declared: int | None = None
    line_no = 0  # number of the last line consumed
    with src.open(read_ahead=True) as f:
        buf = b""
        eof = False
        first = True
        while not eof:
            try:
                chunk = f.read(BLOCK)
            except FileFormatError as e:
                raise located(e, line_no + buf.count(b"\n") + 1) from None
            if not chunk:
                eof = True
                if first and not buf:
                    raise FileFormatError(path, "the file is empty", line=1,
                                          expected="a word followed by numbers on each line")
                lines = buf.split(b"\n") if buf else []
                buf = b""
            else:
                buf += chunk
                cut = buf.rfind(b"\n")
                if cut < 0:
                    if len(buf) > MAX_LINE:
                        raise FileFormatError(path, f"line is longer than {MAX_LINE:,} bytes", line=line_no + 1,
                                              expected="one word and its numbers per line")
                    continue
                lines = buf[:cut].split(b"\n")
                buf = buf[cut + 1:]
                if len(buf) > MAX_LINE:
                    raise FileFormatError(
                        path,
                        f"line is longer than {MAX_LINE:,} bytes",
                        line=line_no + len(lines) + 1,
                        expected="one word and its numbers per line",
                    )
            if first and lines:
                first = False
                if b"\x00" in lines[0][:4096] or b"\x00" in chunk[:4096]:
                    raise FileFormatError(
                        path,
                        "binary data (NUL bytes) in a text file",
                        line=1,
                        expected="text: a word followed by numbers (or a word2vec binary file)",
                    )
                h = parse_header(lines[0])
                if header is None:
                    header = h is not None
                if header:
                    if h is None:
                        raise FileFormatError(
                            path,
                            "bad header",
                            line=1,
                            expected="'<word count> <dimension>'",
                            found=lines[0][:60].decode("utf-8", "replace"),
                        )
                    declared, dim = h
                    if dim <= 0:
                        raise FileFormatError(path, "dimension in header is 0", line=1, expected="a positive dimension")
                    if dim > MAX_DIM:
                        raise FileFormatError(
                            path,
                            f"the header declares {dim:,} dimensions",
                            line=1,
                            expected=f"at most {MAX_DIM:,} numbers on a line of {MAX_LINE:,} bytes",
                        )
                    lines = lines[1:]
                    line_no = 1
            stop, block, new_words = _parse_lines(
                path,
                lines,
                line_no + 1,
                dim,
                opts,
                rows,
                remaining=None if opts.limit is None else opts.limit - len(words),
            )
            if block is not None and block.size:
                dim = block.shape[1]
                blocks.append(_as_dtype(path, block, opts.dtype, rows.row_lines[-len(new_words) :]))
                words.extend(new_words)
            line_no += len(lines)
            if declared is not None and rows.entries > declared:
                raise FileFormatError(
                    path,
                    f"more vectors than the header's {declared:,}",
                    line=1 + declared + 1,
                    expected=f"{declared:,} words as declared on line 1",
                )
            yield Progress(f.fraction(), f"read {len(words):,} words")
            if stop:
                break
    if not words:
        raise FileFormatError(path, "no vectors found", line=line_no or 1, expected="a word followed by numbers")
    if declared is not None and opts.limit is None and rows.entries != declared:
        raise FileFormatError(
            path,
            f"the header declares {declared:,} words but the file holds {rows.entries:,}",
            line=line_no,
            expected=f"{declared:,} lines of vectors after the header",
        )
    vectors = np.concatenate(blocks) if len(blocks) > 1 else blocks[0]
    return RawEmbeddings(
        words, vectors, index=rows.seen if len(rows.seen) == len(words) else None, notes=rows.duplicates.notes()
    )


def _as_dtype(path: str, block: np.ndarray, dtype: str, line_nos: list[int]) -> np.ndarray:
    """The block in the chosen dtype; a number too large for float16 is named, not made inf."""
    if dtype == "float32":
        return block
    with np.errstate(over="ignore"):
        out = block.astype(dtype)
    if not np.isfinite(out).all():
        r, c = np.argwhere(~np.isfinite(out))[0]
        raise FileFormatError(
            path,
            f"number {int(c) + 1} after the word is {block[r, c]:g}, too large for {dtype}",
            line=line_nos[r],
            expected="numbers within float16's range (+-65504): open it as float32",
        )
    return out


class _Rows:
    """What the blocks of one file share: word -> row, row -> line, entries read, repeated words."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}  # word -> row: becomes the set's word index, so it is not built again
        self.row_lines: list[int] = []  # row -> line number, for messages
        self.entries = 0  # lines holding a vector, kept or skipped (what a header counts)
        self.duplicates = Duplicates()


def _parse_lines(path, lines, first_line_no, dim, opts, rows, remaining):
    """Parse a block of lines -> (stop, matrix, words)."""
    fast = _parse_fast(lines, first_line_no, dim, opts, rows, remaining)
    if fast is not None:
        return fast
    return _parse_careful(path, lines, first_line_no, dim, opts, rows, remaining)


def _parse_fast(lines, first_line_no, dim, opts, rows, remaining):
    """The common case: every line is a word, a space and exactly `dim` numbers (numpy's C
    reader checks the count on every row), words new and valid, values finite. Anything else
    returns None and the block is parsed line by line, which names the line of the problem."""
    seen, row_lines = rows.seen, rows.row_lines
    if dim is None or opts.lowercase or not lines or not lines[0] or (remaining is not None and remaining < len(lines)):
        return None
    parts = [line.partition(b" ") for line in lines]
    try:
        words = [p[0].decode(opts.encoding) for p in parts]
    except UnicodeDecodeError:
        return None
    unique = set(words)
    if len(unique) != len(words) or "" in unique or not seen.keys().isdisjoint(unique) or "\r" in "".join(words):
        return None
    numbers = b"\n".join(p[2] for p in parts)
    if len(numbers) <= 2 * len(parts) and not numbers.strip():  # words alone: the careful path says where
        return None
    try:  # numpy's C text reader: quicker than fromstring, and strict about every value
        block = np.loadtxt(io.BytesIO(numbers), dtype=np.float32, comments=None, quotechar=None, ndmin=2)
    except ValueError:
        return None
    if block.shape != (len(lines), dim) or not np.isfinite(block).all():
        return None
    r0 = len(row_lines)
    seen.update(zip(words, range(r0, r0 + len(lines))))
    row_lines.extend(range(first_line_no, first_line_no + len(lines)))
    rows.entries += len(lines)
    return False, block, words


def _parse_careful(path, lines, first_line_no, dim, opts, rows, remaining):
    seen, row_lines = rows.seen, rows.row_lines
    words: list[str] = []
    rests: list[bytes] = []
    line_nos: list[int] = []
    stop = False
    for off, raw in enumerate(lines):
        line = raw.rstrip()
        if not line:
            continue
        ln = first_line_no + off
        word_b, _, rest = line.partition(b" ")
        if dim is None:
            fields = line.split()
            if len(fields) < 2:
                raise FileFormatError(
                    path,
                    "a line needs a word and at least one number",
                    line=ln,
                    expected="'word x1 x2 ...'",
                    found=line[:60].decode("utf-8", "replace"),
                )
            dim = len(fields) - 1
        if not word_b or rest.count(b" ") != dim - 1 or b"\t" in rest:
            word_b, rest = _split_slow(path, line, ln, dim)
        word = decode_word(path, word_b, ln, opts.encoding)
        rows.entries += 1
        if opts.lowercase:
            word = word.lower()
            if word in seen:
                continue  # keep the first (most frequent) spelling
        elif word in seen:
            rows.duplicates.skip(word, f"line {row_lines[seen[word]]}", f"line {ln}")
            continue
        seen[word] = len(row_lines)
        row_lines.append(ln)
        words.append(word)
        rests.append(rest)
        line_nos.append(ln)
        if remaining is not None and len(words) >= remaining:
            stop = True
            break
    if not words:
        return stop, None, words
    block = _parse_numbers(path, rests, line_nos, dim)
    return stop, block, words


def _split_slow(path, line, ln, dim):
    fields = line.split()
    n_num = len(fields) - 1
    if n_num == dim:
        return fields[0], b" ".join(fields[1:])
    if n_num > dim:  # a word containing spaces (GloVe 840B has some): the last `dim` fields are numbers
        tail = fields[-dim:]
        try:
            [float(x) for x in fields[1 : n_num - dim + 1]]
        except ValueError:
            return b" ".join(fields[: len(fields) - dim]), b" ".join(tail)
    raise FileFormatError(
        path,
        f"wrong number of values: {max(n_num, 0)}",
        line=ln,
        expected=f"a word and {dim} numbers",
        found=line[:60].decode("utf-8", "replace"),
    )


def _parse_numbers(path, rests, line_nos, dim) -> np.ndarray:
    blob = b" ".join(rests)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            flat = np.fromstring(blob, dtype=np.float32, sep=" ")
        except ValueError:
            flat = np.empty(0, dtype=np.float32)
    if flat.size != len(rests) * dim:
        _find_bad_number(path, rests, line_nos)
        raise FileFormatError(path, "could not parse the numbers", line=line_nos[0], expected=f"{dim} numbers per line")
    block = flat.reshape(len(rests), dim)
    finite = np.isfinite(block)
    if not finite.all():
        r, c = np.argwhere(~finite)[0]
        token = rests[r].split()[c].decode("utf-8", "replace")
        raise FileFormatError(
            path,
            f"number {int(c) + 1} after the word is {token}",
            line=line_nos[r],
            expected="finite numbers (no NaN or inf, within float32's range)",
        )
    return block


def _find_bad_number(path, rests, line_nos) -> None:
    for rest, ln in zip(rests, line_nos):
        for col, tok in enumerate(rest.split(), start=2):
            try:
                float(tok)
            except ValueError:
                raise FileFormatError(
                    path,
                    f"number {col - 1} after the word is not a number",
                    line=ln,
                    expected="a decimal number",
                    found=tok.decode("utf-8", "replace"),
                ) from None
