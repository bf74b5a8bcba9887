"""The host's answers to a sandbox's supervisor requests (protocol 3), scoped to the asking try.

Who asks is never read from the request: a :class:`TryIdentity` is built by the supervisor (or
the callback runner) from the try it claimed, so a task can name any conn_id it likes and still
only get what its team may see. A malformed request, or more than ``max_requests`` of them in one
try, is a protocol error: the runtime kills the sandbox and the try fails; the host carries on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from attrs import frozen
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagRunModel
from dagseal.db.session import session_scope
from dagseal.runtime.base import SandboxProtocolError
from dagseal.sandbox.supervisor_protocol import (
    ConnectionResult,
    Done,
    GetConnection,
    GetVariable,
    RequestFailed,
    SetVariable,
    VariableResult,
    XComPull,
    XComPush,
    XComResult,
    decode_supervisor_request,
)
from dagseal.sdk.connection import is_sensitive_name
from dagseal.secrets.chain import SecretsChain, secrets_chain
from dagseal.secrets.errors import SecretsError
from dagseal.secrets.fernet import Cipher
from dagseal.secrets.masker import SecretsMasker
from dagseal.secrets.settings import SecretsSettings
from dagseal.secrets.store import set_variable
from dagseal.secrets.xcom import XCOM_RETURN_KEY, encode_xcom, pull_xcom, push_xcom
from dagseal.serialization import CallbackRequest
from dagseal.serialization.errors import SerializationError

__all__ = ["MAX_REQUESTS_PER_TRY", "CallbackAnswers", "SupervisorAnswers", "TryIdentity", "team_of"]

MAX_REQUESTS_PER_TRY = 10_000


def team_of(dag_folder: str) -> str:
    """A team is its DAG directory (``processor_subdir``): ``/srv/dag_repos/team_x`` → ``team_x``."""
    return Path(dag_folder).name


@frozen(kw_only=True)
class TryIdentity:
    """Who is asking, as the host knows it; ``task_id`` None for a DAG-level callback."""

    team: str
    dag_id: str
    run_id: str | None
    task_id: str | None
    map_index: int = -1


class SupervisorAnswers:
    """Callable answerer for one try or callback (``runtime.channel.Answerer``)."""

    def __init__(
        self,
        identity: TryIdentity,
        factory: sessionmaker[Session],
        chain: SecretsChain,
        cipher: Cipher,
        max_xcom_size: int,
        masker: SecretsMasker | None = None,
        max_requests: int = MAX_REQUESTS_PER_TRY,
    ) -> None:
        self.identity = identity
        self.masker = masker or SecretsMasker()
        self._factory = factory
        self._chain = chain
        self._cipher = cipher
        self._max_xcom_size = max_xcom_size
        self._max_requests = max_requests
        self._count = 0
        self._handlers: dict[type, Callable[[Any], Any]] = {
            GetConnection: self._get_connection,
            GetVariable: self._get_variable,
            SetVariable: self._set_variable,
            XComPush: self._xcom_push,
            XComPull: self._xcom_pull,
        }

    @classmethod
    def from_settings(
        cls, identity: TryIdentity, factory: sessionmaker[Session], settings: SecretsSettings
    ) -> SupervisorAnswers:
        cipher = Cipher(settings.fernet_keys)
        chain = secrets_chain(settings, factory, cipher=cipher)
        return cls(identity, factory, chain, cipher, settings.max_xcom_size)

    def for_identity(self, identity: TryIdentity) -> SupervisorAnswers:
        """Answers for another try with this one's backends (a processor, one per callback)."""
        return SupervisorAnswers(identity, self._factory, self._chain, self._cipher, self._max_xcom_size)

    def __call__(self, message: dict[str, Any]) -> Any:
        self._count += 1
        if self._count > self._max_requests:
            raise SandboxProtocolError(
                f"the sandbox sent more than {self._max_requests} supervisor requests in one try"
            )
        try:
            request = decode_supervisor_request(message)
        except SerializationError as exc:
            kind = message.get("type")
            raise SandboxProtocolError(f"the sandbox sent a malformed {kind!r} request: {exc}") from None
        try:
            return self._handlers[type(request)](request)
        except SecretsError as exc:
            return RequestFailed(id=request.id, message=self.masker.mask(str(exc)))
        except SQLAlchemyError as exc:  # the try fails on its own request; the supervisor records it
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            return RequestFailed(id=request.id, message=f"{request.type}: database error: {detail}")

    def _get_connection(self, request: GetConnection) -> ConnectionResult:
        connection = self._chain.get_connection(request.conn_id, self.identity.team)
        for value in connection.secret_values():
            self.masker.add(value)
        return ConnectionResult(id=request.id, connection=connection.to_dict())

    def _get_variable(self, request: GetVariable) -> VariableResult:
        value = self._chain.get_variable(request.key, self.identity.team)
        if value is None:
            message = self._chain.variable_not_found(request.key, self.identity.team)
            return VariableResult(id=request.id, found=False, message=message)
        if is_sensitive_name(request.key):
            self.masker.add(value)
        return VariableResult(id=request.id, found=True, value=value)

    def _set_variable(self, request: SetVariable) -> Done:
        if is_sensitive_name(request.key):
            self.masker.add(request.value)
        with session_scope(self._factory) as session:
            set_variable(
                session, request.key, request.value, self.identity.team, self._cipher, request.description
            )
        return Done(id=request.id)

    def _run(self, session: Session) -> DagRunModel:
        identity = self.identity
        run = session.scalar(
            select(DagRunModel).where(
                DagRunModel.dag_id == identity.dag_id, DagRunModel.run_id == identity.run_id
            )
        )
        if run is None:
            raise SecretsError(f"XCom needs a DAG run; {identity.dag_id!r} has no run {identity.run_id!r}")
        return run

    def _xcom_push(self, request: XComPush) -> Done:
        if self.identity.task_id is None:
            raise SecretsError("xcom_push: a DAG callback is not a task and cannot push XCom")
        self.store_xcom(request.key, request.value)
        return Done(id=request.id)

    def store_xcom(self, key: str, value: Any) -> None:
        """Push ``value`` as this try's ``key`` (also how the supervisor stores ``return_value``)."""
        task_id = self.identity.task_id or ""
        text = encode_xcom(value, key, task_id, self._max_xcom_size)
        with session_scope(self._factory) as session:
            push_xcom(session, self._run(session), task_id, self.identity.map_index, key, text)

    def store_return_value(self, value: Any) -> None:
        self.store_xcom(XCOM_RETURN_KEY, value)

    def _xcom_pull(self, request: XComPull) -> XComResult:
        with session_scope(self._factory) as session:
            values = pull_xcom(
                session, self._run(session), request.task_ids, request.key, request.include_prior_dates
            )
        return XComResult(id=request.id, values=values)


class CallbackAnswers:
    """The DAG processor's answerers: one per callback, scoped to its directory's team and the
    callback's DAG, run and task. Backends are built once, when the processor starts, so a bad
    ``[secrets]`` setting stops the processor with one line instead of failing each callback."""

    def __init__(self, factory: sessionmaker[Session], settings: SecretsSettings, dag_folder: str) -> None:
        self._team = team_of(dag_folder)
        identity = TryIdentity(team=self._team, dag_id="", run_id=None, task_id=None)
        self._template = SupervisorAnswers.from_settings(identity, factory, settings)

    def __call__(self, request: CallbackRequest) -> SupervisorAnswers:
        identity = TryIdentity(
            team=self._team,
            dag_id=request.dag_id,
            run_id=request.run_id,
            task_id=getattr(request, "task_id", None),
        )
        return self._template.for_identity(identity)
