"""Aligned plain-text tables for CLI output: readable in a terminal, easy to grep and diff."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

__all__ = ["format_cell", "format_table", "print_table", "short_digest"]


def format_cell(value: object) -> str:
    """None → ``-``, booleans → yes/no, datetimes to the second in UTC, newlines flattened."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return " ".join(str(value).split("\n"))


def format_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Columns padded to their widest cell; the last column is never padded."""
    table = [list(headers), *([format_cell(cell) for cell in row] for row in rows)]
    widths = [max(len(line[col]) for line in table) for col in range(len(headers))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    )


def print_table(headers: Sequence[str], rows: Iterable[Sequence[object]], empty: str) -> None:
    """Print the table, or ``empty`` (e.g. "no import errors") when there are no rows."""
    rows = list(rows)
    print(format_table(headers, rows) if rows else empty)


def short_digest(value: str | None, length: int = 12) -> str | None:
    """``sha256:`` and the first ``length`` hex digits (a ``name@`` prefix is kept): enough to tell
    the images in a table apart; ``dags versions`` shows them in full."""
    if value is None:
        return None
    head, sep, digits = value.rpartition("sha256:")
    return f"{head}{sep}{digits[:length]}" if sep else value
