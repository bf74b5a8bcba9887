"""The one base class for failures dagseal expects and explains (bad config, missing DB, bad input),
and the errors more than one host package raises (one class per meaning, one home).

The CLI prints a ``DagsealError`` as a single line and exits non-zero; anything else is a bug.
"""

__all__ = ["DagsealError", "ImageMissing", "IncompatibleImage"]


class DagsealError(Exception):
    """An expected failure: its message says what went wrong and where, in one line."""


class ImageMissing(DagsealError):
    """An image asked for by digest or id is not there: not in the Docker engine (never loaded,
    removed), or the registry lacks its manifest or a blob. Raised by the Docker backend and by
    deploy; the message names where it was looked for."""


class IncompatibleImage(DagsealError):
    """The image exists but cannot run here: built for another sandbox protocol, or a manifest
    that does not match its digest. Raised by the Docker backend and by deploy."""
