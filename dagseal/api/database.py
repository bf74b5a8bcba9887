"""One DB session per request: committed when the endpoint returns, rolled back if it raises."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session as OrmSession

from dagseal.db.session import session_scope


def _session(request: Request) -> Iterator[OrmSession]:
    with session_scope(request.app.state.session_factory) as session:
        yield session


Session = Annotated[OrmSession, Depends(_session)]
