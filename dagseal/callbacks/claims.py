"""Row claiming for ``callback_request``: each row runs on exactly one live DAG processor.

A processor claims a row by INSERTing its ``callback_claim``; the primary key on ``callback_id``
lets only one INSERT win, on SQLite and PostgreSQL alike, without long-held locks. A claim held by
a job that ended or stopped heartbeating for ``claim_timeout`` seconds is taken over by deleting
exactly that claim (a conditional DELETE, so only one taker wins) and inserting a new one. The
request row is deleted only after its callback ran (:func:`complete_callback`), so a processor
killed mid-callback leaves the row to be claimed again; one that could not run it (no sandbox
started) hands it back at once with :func:`release_callback`.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from dagseal.db.models import CallbackClaimModel, CallbackRequestModel, CallbackType, JobModel, JobState
from dagseal.db.session import session_scope
from dagseal.serialization.callback_requests import CallbackRequest, callback_request_from_json
from dagseal.timeutil import utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

__all__ = ["ClaimedCallback", "claim_callbacks", "complete_callback", "release_callback"]


@dataclass(frozen=True)
class ClaimedCallback:
    """A ``callback_request`` row this job now owns until :func:`complete_callback`."""

    callback_id: int
    callback_type: CallbackType
    callback_data: dict[str, Any]
    processor_subdir: str | None
    priority_weight: int
    message: str | None
    created_at: datetime

    def request(self) -> CallbackRequest:
        """The typed request; raises ``SerializationError`` for a row that cannot be decoded."""
        return callback_request_from_json(json.dumps(self.callback_data))


@dataclass(frozen=True)
class _Candidate:
    callback: ClaimedCallback
    holder_job_id: int | None  # the stale claim to take over, if any


def _candidates(
    session_factory: sessionmaker[Session],
    processor_subdir: str | None,
    limit: int,
    stale_before: datetime,
    exclude: Collection[int],
) -> list[_Candidate]:
    request, claim = CallbackRequestModel, CallbackClaimModel
    subdir_matches = (
        request.processor_subdir.is_(None)
        if processor_subdir is None
        else request.processor_subdir == processor_subdir
    )
    query = (
        select(request, claim.job_id)
        .outerjoin(claim, claim.callback_id == request.id)
        .outerjoin(JobModel, JobModel.id == claim.job_id)
        .where(subdir_matches)
        .where(
            or_(
                claim.callback_id.is_(None),
                JobModel.state != JobState.RUNNING,
                JobModel.latest_heartbeat < stale_before,
            )
        )
        .order_by(request.priority_weight.desc(), request.created_at, request.id)
        .limit(limit)
    )
    if exclude:
        query = query.where(request.id.not_in(exclude))
    with session_scope(session_factory) as session:
        return [
            _Candidate(
                ClaimedCallback(
                    callback_id=row.id,
                    callback_type=row.callback_type,
                    callback_data=row.callback_data,
                    processor_subdir=row.processor_subdir,
                    priority_weight=row.priority_weight,
                    message=row.message,
                    created_at=row.created_at,
                ),
                holder_job_id,
            )
            for row, holder_job_id in session.execute(query)
        ]


def _try_claim(session_factory: sessionmaker[Session], candidate: _Candidate, job_id: int) -> bool:
    """One short transaction; False when another claimer got there first or the row is gone."""
    callback_id = candidate.callback.callback_id
    try:
        with session_scope(session_factory) as session:
            if candidate.holder_job_id is not None:
                taken_over = session.execute(
                    delete(CallbackClaimModel).where(
                        CallbackClaimModel.callback_id == callback_id,
                        CallbackClaimModel.job_id == candidate.holder_job_id,
                    )
                )
                if taken_over.rowcount != 1:  # another claimer took it over first
                    return False
            session.add(CallbackClaimModel(callback_id=callback_id, job_id=job_id, claimed_at=utcnow()))
    except IntegrityError:
        return False
    return True


def claim_callbacks(
    session_factory: sessionmaker[Session],
    processor_subdir: str | None,
    job_id: int,
    limit: int,
    claim_timeout: float,
) -> list[ClaimedCallback]:
    """Claim up to ``limit`` unclaimed (or abandoned) requests of this subdir, highest priority first."""
    stale_before = utcnow() - timedelta(seconds=claim_timeout)
    claimed: list[ClaimedCallback] = []
    tried: set[int] = set()
    while len(claimed) < limit:
        candidates = _candidates(session_factory, processor_subdir, limit - len(claimed), stale_before, tried)
        if not candidates:
            break
        for candidate in candidates:
            tried.add(candidate.callback.callback_id)
            if _try_claim(session_factory, candidate, job_id):
                claimed.append(candidate.callback)
    return claimed


def complete_callback(session_factory: sessionmaker[Session], callback_id: int) -> bool:
    """Forget a request whose callback ran (whatever its outcome); False if it was already gone."""
    with session_scope(session_factory) as session:
        session.execute(delete(CallbackClaimModel).where(CallbackClaimModel.callback_id == callback_id))
        result = session.execute(delete(CallbackRequestModel).where(CallbackRequestModel.id == callback_id))
        return result.rowcount == 1


def release_callback(session_factory: sessionmaker[Session], callback_id: int, job_id: int) -> bool:
    """Hand back a claimed request that did not run; only ``job_id``'s own claim is deleted.

    False when the claim was no longer ours (taken over after we stopped heartbeating).
    """
    with session_scope(session_factory) as session:
        result = session.execute(
            delete(CallbackClaimModel).where(
                CallbackClaimModel.callback_id == callback_id, CallbackClaimModel.job_id == job_id
            )
        )
        return result.rowcount == 1
