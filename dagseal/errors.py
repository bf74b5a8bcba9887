"""The one base class for failures dagseal expects and explains (bad config, missing DB, bad input).

The CLI prints a ``DagsealError`` as a single line and exits non-zero; anything else is a bug.
"""

__all__ = ["DagsealError"]


class DagsealError(Exception):
    """An expected failure: its message says what went wrong and where, in one line."""
