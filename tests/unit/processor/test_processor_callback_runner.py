"""A callback whose sandbox cannot be chosen is released for a later loop, never run or dropped."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from dagseal.placement.resolution import ImageResolutionError
from dagseal.processor.callback_runner import CallbackRunner, PendingCallback, PinnedCode
from dagseal.processor.sandbox_pool import SandboxPool
from dagseal.runtime.base import SandboxSpec
from dagseal.runtime.process import ProcessRuntime
from dagseal.serialization.callback_requests import DagCallbackRequest


class Unresolvable:
    """A SandboxChoice whose runtime.yaml names a mutable tag."""

    def for_file(self, relative_fileloc: str) -> SandboxSpec:
        raise ImageResolutionError(f"refusing image 'python:3.11' for {relative_fileloc}: a mutable tag")

    def refresh(self) -> str:
        return ""

    def for_callback(
        self, relative_fileloc: str, image_digest: str | None, deployment_id: int | None
    ) -> SandboxSpec:
        return self.for_file(relative_fileloc)


def test_unresolvable_image_releases_the_callback(session_factory: sessionmaker[Session]) -> None:
    pool = SandboxPool(ProcessRuntime(), 1)
    runner = CallbackRunner(session_factory, pool, Unresolvable())
    request = DagCallbackRequest(full_filepath="/d/a.py", dag_id="a", run_id="r", processor_subdir="/d")
    result = runner.run(PendingCallback(7, request), PinnedCode("a.py", "", None))
    assert not result.ran
    assert result.error == "no sandbox to run it in: refusing image 'python:3.11' for a.py: a mutable tag"
    pool.close()
