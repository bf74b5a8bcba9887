"""What a task try gets from this package, in one object the supervisor wires in with a few lines:
answers to its supervisor requests, its log seen through the secrets masker, its return value
stored as the ``return_value`` XCom, and its error text masked before it is recorded."""

from __future__ import annotations

from typing import BinaryIO

import attrs
from sqlalchemy.orm import Session, sessionmaker

from dagseal.runtime.base import RunTaskRequest, TaskOutcome
from dagseal.secrets.answers import SupervisorAnswers, TryIdentity, team_of
from dagseal.secrets.masker import MaskedLog
from dagseal.secrets.settings import SecretsSettings
from dagseal.secrets.xcom import XComTooLarge

__all__ = ["TryAccess"]


class TryAccess:
    def __init__(self, answers: SupervisorAnswers) -> None:
        self.answers = answers

    @classmethod
    def for_try(
        cls,
        factory: sessionmaker[Session],
        settings: SecretsSettings,
        dag_folder: str,
        request: RunTaskRequest,
    ) -> TryAccess:
        """The try's identity comes from the claimed row (``dag_folder`` is its team's directory)."""
        identity = TryIdentity(
            team=team_of(dag_folder),
            dag_id=request.dag_id,
            run_id=request.run_id,
            task_id=request.task_id,
            map_index=request.map_index,
        )
        return cls(SupervisorAnswers.from_settings(identity, factory, settings))

    def log(self, log_file: BinaryIO) -> MaskedLog:
        return self.answers.masker.wrap(log_file)

    def mask(self, text: str) -> str:
        return self.answers.masker.mask(text)

    def finish(self, outcome: TaskOutcome) -> TaskOutcome:
        """Store a successful try's return value; an oversized one fails the try. Errors are masked."""
        if outcome.state == "success" and outcome.return_value is not None:
            try:
                self.answers.store_return_value(outcome.return_value)
            except XComTooLarge as exc:
                outcome = attrs.evolve(outcome, state="failed", return_value=None, error=str(exc))
        if outcome.error:
            outcome = attrs.evolve(outcome, error=self.mask(outcome.error))
        return outcome
