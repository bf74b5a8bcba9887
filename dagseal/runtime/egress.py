"""Which Docker network a sandbox may join: the platform decides, runtime.yaml only chooses.

Only task tries join one. Parse and callback sandboxes always get ``none``: parsing a DAG file
does no I/O, and a processor that joined a team's network for every file it parses would need
that network to exist wherever DAGs are parsed.

``none`` (the default) reaches nothing. A user-defined network (e.g. an ``--internal`` bridge the
platform made for a team's warehouse) must be listed in ``[docker_runtime] allowed_networks``.
``host`` shares the host's network namespace, so it reaches every loopback service of the host
(the metadata database, the registry): it is refused unless ``[docker_runtime]
allow_host_network = True``. A refusal names the runtime.yaml file and line that asked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from dagseal.errors import DagsealError

__all__ = ["TASK_KIND", "NetworkNotAllowed", "allowed_networks", "check_network", "sandbox_network"]

TASK_KIND = "task_execution"


class NetworkNotAllowed(DagsealError):
    """A runtime.yaml asked for a network the platform does not allow."""


def allowed_networks(settings: Mapping[str, object]) -> tuple[str, ...]:
    """``[docker_runtime] allowed_networks``: names separated by commas or whitespace."""
    raw = str(settings.get("allowed_networks") or "")
    return tuple(name for name in re.split(r"[,\s]+", raw) if name)


def check_network(network: str | None, source: str | None, settings: Mapping[str, object]) -> None:
    """Raise :class:`NetworkNotAllowed` unless ``network`` may be used; ``source`` is ``file:line``."""
    if network in (None, "none"):
        return
    where = f"{source}: network: " if source else "network: "
    if network == "host":
        if not settings.get("allow_host_network"):
            raise NetworkNotAllowed(
                f"{where}'host' is refused: it exposes every loopback service of the host (metadata "
                "database, registry); set [docker_runtime] allow_host_network = True to allow it"
            )
        return
    allowed = allowed_networks(settings)
    if network not in allowed:
        listed = ", ".join(allowed) if allowed else "none listed"
        raise NetworkNotAllowed(f"{where}{network!r} is not in [docker_runtime] allowed_networks ({listed})")


def sandbox_network(
    kind: str, network: str | None, source: str | None, settings: Mapping[str, object]
) -> str:
    """The network of a ``kind`` sandbox (``task_execution`` or ``scheduler_dag_parsing``)."""
    if kind != TASK_KIND:
        return "none"
    check_network(network, source, settings)
    return network or "none"
