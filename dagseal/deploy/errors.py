"""Why a publish, deploy or pull was refused: each message names the registry, repo and digest."""

from dagseal.errors import DagsealError

__all__ = ["DeployError", "RegistryUnreachable"]


class DeployError(DagsealError):
    """Publishing, deploying or pulling an image could not be done; nothing was changed."""


class RegistryUnreachable(DeployError):
    """The registry did not answer (down, wrong address, network): retry once it is up."""
