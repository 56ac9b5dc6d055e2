"""Named exceptions for expected problems.

Every message says what was wrong and where: file, line, column, what was
expected and what was found. Panels show ``str(exc)`` inline; the CLI prints it.
"""
from __future__ import annotations

from pathlib import Path


class ExplorerError(Exception):
    """Base class of every expected problem the user can cause."""

    def one_line(self) -> str:
        """The message on one line (the command line prints this)."""
        return " ".join(str(self).split())


class Cancelled(ExplorerError):
    """Raised inside a job when the user cancelled it."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class FileFormatError(ExplorerError):
    """A file could not be read as the format it was expected to be. Where: a line (and column) in
    text, or a byte ``offset`` in the file on disk (binary formats, compressed data, archives)."""

    def __init__(
        self,
        path: str | Path,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        expected: str | None = None,
        found: str | None = None,
        offset: int | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.offset = offset
        self.expected = expected
        self.found = found
        self.reason = message
        where = self.path
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column}"
        if offset is not None and line is None:
            where += f", byte {offset:,}"
        text = f"{where}: {message}"
        if expected is not None:
            text += f"; expected {expected}"
        if found is not None:
            shown = found if len(found) <= 60 else found[:57] + "..."
            text += f", found {shown!r}"
        super().__init__(text)


class UnknownWordError(ExplorerError, KeyError):
    """A word is not in the vocabulary."""

    def __init__(self, word: str, suggestions: list[str] | None = None, *, column: int | None = None) -> None:
        self.word = word
        self.suggestions = list(suggestions or [])
        self.column = column
        text = f"unknown word {word!r}"
        if column is not None:
            text += f" at column {column}"
        if self.suggestions:
            text += "; did you mean " + ", ".join(self.suggestions) + "?"
        super().__init__(text)

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class InputError(ExplorerError, ValueError):
    """A value the user gave cannot be used: a setting out of range, a text too long for a
    model, a sentence without its [MASK], a blank picture. The message says what was expected."""


class ExpressionError(ExplorerError):
    """A word-arithmetic expression could not be parsed."""

    def __init__(self, expression: str, column: int, message: str) -> None:
        self.expression = expression
        self.column = column  # 1-based
        self.reason = message
        pointer = " " * (column - 1) + "^"
        super().__init__(f"column {column}: {message}\n  {expression}\n  {pointer}")

    def one_line(self) -> str:
        return f"column {self.column} of {self.expression!r}: {self.reason}"


class ModelError(ExplorerError):
    """A model could not be opened or run."""


class ModelMissingError(ModelError):
    """A model file is not built yet."""


class ModelCorruptError(ModelError):
    """A model file does not match its manifest (checksum, inputs, outputs)."""


class ProviderError(ModelError):
    """An onnxruntime execution provider could not be used."""
