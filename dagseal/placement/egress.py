"""Which Docker network a sandbox may join: the platform decides, runtime.yaml only chooses.

``none`` (the default) reaches nothing. A user-defined network (e.g. an ``--internal`` bridge the
platform made for a team's warehouse) must be listed in ``[docker_runtime] allowed_networks``.
``host`` shares the host's network namespace, so it reaches every loopback service of the host
(the metadata database, the registry): it is refused unless ``[docker_runtime]
allow_host_network = True``. A refusal names the runtime.yaml file and line that asked.

Only task tries join one. Parse and callback sandboxes always get ``none``: parsing a DAG file
does no I/O, and a processor that joined a team's network for every file it parses would need
that network to exist wherever DAGs are parsed.
"""

from __future__ import annotations

from dagseal.errors import DagsealError
from dagseal.placement.settings import DockerSettings
from dagseal.runtime.base import Network

__all__ = ["NetworkNotAllowed", "check_network", "sandbox_network"]


class NetworkNotAllowed(DagsealError):
    """A runtime.yaml asked for a network the platform does not allow."""


def check_network(network: str | None, source: str | None, docker: DockerSettings) -> None:
    """Raise :class:`NetworkNotAllowed` unless ``network`` may be used; ``source`` is ``file:line``."""
    if network in (None, Network.NONE):
        return
    where = f"{source}: network: " if source else "network: "
    if network == Network.HOST:
        if not docker.allow_host_network:
            raise NetworkNotAllowed(
                f"{where}'host' is refused: it exposes every loopback service of the host (metadata "
                "database, registry); set [docker_runtime] allow_host_network = True to allow it"
            )
        return
    if network not in docker.allowed_networks:
        listed = ", ".join(docker.allowed_networks) or "none listed"
        raise NetworkNotAllowed(f"{where}{network!r} is not in [docker_runtime] allowed_networks ({listed})")


def sandbox_network(joins: bool, network: str | None, source: str | None, docker: DockerSettings) -> str:
    """The network of a sandbox; ``joins`` is True for task tries only."""
    if not joins:
        return Network.NONE
    check_network(network, source, docker)
    return network or Network.NONE
