"""TensorFlow Embedding Projector TSV: vectors.tsv (tab-separated numbers, one
row per point) and an optional metadata.tsv (one label per line; with several
columns the first line is a header)."""
from __future__ import annotations

import numpy as np

from ...errors import FileFormatError
from ...progress import Job, Progress
from .common import LoadOptions, RawEmbeddings, decode_word, located
from .source import Source, describe

LABEL_COLUMNS = ("word", "label", "name", "token", "text")
MAX_LINE = 1 << 20


def guess_metadata(src: Source) -> Source | None:
    stem = src.stem
    for cand in ("metadata.tsv" if src.inner_name.startswith("vectors") else None, stem + "_metadata.tsv",
                 stem + ".metadata.tsv", stem.replace("vectors", "metadata") + ".tsv" if "vectors" in stem else None):
        found = src.sibling(cand) if cand else None
        if found is not None:
            return found
    return None


def read_projector(src: Source, opts: LoadOptions) -> Job[RawEmbeddings]:
    path = src.display
    rows: list[np.ndarray] = []
    row_lines: list[int] = []
    dim = None
    with src.open(read_ahead=True) as f:
        ln = 0
        while True:
            try:
                raw = f.readline(MAX_LINE + 1)
            except FileFormatError as e:
                raise located(e, ln + 1) from None
            if not raw:
                break
            ln += 1
            if len(raw) > MAX_LINE:
                raise FileFormatError(path, f"line is longer than {MAX_LINE:,} bytes", line=ln,
                                      expected="one row of tab-separated numbers")
            line = raw.rstrip(b"\r\n")
            if not line.strip():
                continue
            if b"\x00" in line:
                raise FileFormatError(path, "binary data (NUL bytes)", line=ln, expected="tab-separated numbers")
            fields = line.split(b"\t")
            try:
                with np.errstate(over="ignore"):  # beyond float32: inf, named just below
                    vals = np.array([float(x) for x in fields], dtype=np.float32)
            except ValueError:
                bad = next(i for i, x in enumerate(fields) if not _isfloat(x))
                raise FileFormatError(
                    path,
                    f"value {bad + 1} is not a number",
                    line=ln,
                    column=bad + 1,
                    expected="a decimal number",
                    found=fields[bad].decode("utf-8", "replace"),
                ) from None
            if dim is None:
                dim = len(vals)
            elif len(vals) != dim:
                raise FileFormatError(
                    path,
                    f"wrong number of values: {len(vals)}",
                    line=ln,
                    expected=f"{dim} tab-separated numbers like the first row",
                )
            if not np.isfinite(vals).all():
                col = int(np.argmin(np.isfinite(vals))) + 1
                raise FileFormatError(
                    path,
                    f"value {col} is {fields[col - 1].decode('utf-8', 'replace')}",
                    line=ln,
                    column=col,
                    expected="finite numbers (no NaN or inf, within float32's range)",
                )
            rows.append(vals)
            row_lines.append(ln)
            if len(rows) % 5000 == 0:
                yield Progress(f.fraction() * 0.9, f"read {len(rows):,} rows")
            if opts.limit is not None and len(rows) >= opts.limit:
                break
    if not rows:
        if ln == 0:
            raise FileFormatError(path, "the file is empty", line=1, expected="tab-separated numbers")
        raise FileFormatError(path, "no rows found", line=1, expected="tab-separated numbers")
    vectors = np.stack(rows)
    meta_src = describe(opts.metadata_path) if opts.metadata_path else guess_metadata(src)
    metadata: dict[str, list[str]] = {}
    if meta_src is not None:
        metadata = read_metadata(meta_src, len(rows), opts, limited=opts.limit is not None)
        key = next((c for c in metadata if c.lower() in LABEL_COLUMNS), next(iter(metadata)))
        labels = metadata[key]
    else:
        labels = [str(i) for i in range(len(rows))]
    words = unique_labels([lab.lower() if opts.lowercase else lab for lab in labels])
    yield Progress(1.0, f"read {len(rows):,} rows")
    with np.errstate(over="ignore"):
        out = vectors.astype(opts.dtype, copy=False)
    if not np.isfinite(out).all():
        r, c = np.argwhere(~np.isfinite(out))[0]
        raise FileFormatError(
            path,
            f"value {int(c) + 1} is {vectors[r, c]:g}, too large for {opts.dtype}",
            line=row_lines[r],
            column=int(c) + 1,
            expected="numbers within float16's range (+-65504): open it as float32",
        )
    return RawEmbeddings(words, out, metadata)


def read_metadata(src: Source, n_rows: int, opts: LoadOptions, limited: bool = False) -> dict[str, list[str]]:
    path = src.display
    with src.open() as f:
        raw_lines = []
        while True:
            try:
                raw = f.readline(MAX_LINE + 1)
            except FileFormatError as e:
                raise located(e, len(raw_lines) + 1) from None
            if not raw:
                break
            if len(raw) > MAX_LINE:
                raise FileFormatError(
                    path,
                    f"line is longer than {MAX_LINE:,} bytes",
                    line=len(raw_lines) + 1,
                    expected="one label (or tab-separated columns) per line",
                )
            raw_lines.append(raw[:-1] if raw.endswith(b"\n") else raw)
    lines = [decode_word(path, r.rstrip(b"\r"), i + 1, opts.encoding) for i, r in enumerate(raw_lines)]
    if not lines:
        raise FileFormatError(path, "the metadata file is empty", line=1, expected=f"{n_rows} labels")
    multi = "\t" in lines[0]
    if multi:
        header = lines[0].split("\t")
        body = lines[1:]
        first = 2
    else:
        header = ["label"]
        body = lines
        first = 1
    if limited:
        body = body[:n_rows]
    if len(body) != n_rows:
        raise FileFormatError(
            path,
            f"{len(body):,} metadata rows for {n_rows:,} vectors",
            line=first + min(len(body), n_rows),
            expected=f"one metadata row per vector ({n_rows:,})" + (", after a header row" if multi else ""),
        )
    cols: dict[str, list[str]] = {h or f"column {i + 1}": [] for i, h in enumerate(header)}
    names = list(cols)
    for i, line in enumerate(body):
        parts = line.split("\t") if multi else [line]
        if len(parts) != len(names):
            raise FileFormatError(
                path,
                f"{len(parts)} columns",
                line=first + i,
                expected=f"{len(names)} tab-separated columns as in the header",
            )
        for name, val in zip(names, parts):
            cols[name].append(val)
    return cols


def unique_labels(labels: list[str]) -> list[str]:
    """Projector labels may repeat (e.g. digit classes); make word keys unique: '7', '7#2', ..."""
    seen: dict[str, int] = {}
    out = []
    for lab in labels:
        lab = lab if lab else "(empty)"
        n = seen.get(lab, 0) + 1
        seen[lab] = n
        out.append(lab if n == 1 else f"{lab}#{n}")
    return out


def _isfloat(x: bytes) -> bool:
    try:
        float(x)
        return True
    except ValueError:
        return False
