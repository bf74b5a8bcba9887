"""What a supervisor needs from the configuration, as one frozen value handed to each try's process.

The supervisor (and the fork server it is forked from) never reads the configuration itself: the
executor reads it once, and the settings travel as one JSON line (`to_json` / `from_json`).
"""

from __future__ import annotations

from attrs import field, frozen

from dagseal.config import Config
from dagseal.placement import PlacementSettings
from dagseal.secrets.settings import SecretsSettings
from dagseal.serialization.canonical import canonical_json, loads
from dagseal.serialization.converter import structure, unstructure


@frozen(kw_only=True)
class SupervisorSettings:
    sql_alchemy_conn: str
    base_log_folder: str
    zombie_threshold: float
    placement: PlacementSettings
    secrets: SecretsSettings = field(factory=SecretsSettings)
    max_try_log_bytes: int = 0
    """``[logging] max_try_log_bytes``: a try's output past it is dropped after a marker (0: no cap)."""
    sandbox_zygote: str | None = None
    """Socket of the executor's warm sandbox zygote (process runtime): tries fork from it."""

    @property
    def heartbeat_interval(self) -> float:
        """Often enough that three missed beats still come before the zombie threshold."""
        return min(5.0, self.zombie_threshold / 3)

    @classmethod
    def from_config(cls, config: Config, force_docker: bool = False) -> SupervisorSettings:
        """`force_docker`: `tasks run --docker` (AIP-46)."""
        return cls(
            sql_alchemy_conn=config.get("core", "sql_alchemy_conn"),
            base_log_folder=config.get("logging", "base_log_folder"),
            zombie_threshold=config.getfloat("scheduler", "zombie_threshold"),
            placement=PlacementSettings.from_config(config, force_docker=force_docker),
            secrets=SecretsSettings.from_config(config),
            max_try_log_bytes=config.getint("logging", "max_try_log_bytes"),
        )

    def to_json(self) -> str:
        return canonical_json(unstructure(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> SupervisorSettings:
        """Through the one strict converter: an unknown or missing key is an error, never dropped."""
        return structure(loads(text), cls)
