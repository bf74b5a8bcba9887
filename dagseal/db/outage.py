"""Living through a metadata database that goes away for a while (a restart, a failover).

Long-running loops (scheduler, DAG processor) skip a pass whose database calls failed to connect
and try again on the next; a task supervisor retries its few writes (claim, heartbeat, outcome)
until the database is back or its own zombie threshold passes, so a try that ran during the
outage is still recorded. SQLAlchemy's pool drops the dead connections by itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError

__all__ = ["retry_until_back", "survived"]

T = TypeVar("T")
RETRY_SECONDS = 1.0
log = logging.getLogger(__name__)


def _line(exc: OperationalError) -> str:
    return (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]


def survived(step: Callable[[], object], what: str) -> bool:
    """Run one loop step; False (after one warning line) if the database could not be reached."""
    try:
        step()
    except OperationalError as exc:
        log.warning("%s: database unreachable, retrying on the next loop: %s", what, _line(exc))
        return False
    return True


def retry_until_back(call: Callable[[], T], within: float, what: str) -> T:
    """``call()``, again every second while the database is unreachable, for up to ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        try:
            return call()
        except OperationalError as exc:
            if time.monotonic() >= deadline:
                raise
            log.warning("%s: database unreachable, retrying: %s", what, _line(exc))
            time.sleep(RETRY_SECONDS)
