"""Why a publish, deploy or pull was refused: each message names the registry, repo and digest."""

from dagseal.errors import DagsealError

__all__ = ["DeployError", "ImageMissing", "IncompatibleImage", "RegistryUnreachable"]


class DeployError(DagsealError):
    """Publishing, deploying or pulling an image could not be done; nothing was changed."""


class RegistryUnreachable(DeployError):
    """The registry did not answer (down, wrong address, network): retry once it is up."""


class ImageMissing(DeployError):
    """The registry answered but lacks the manifest or blob asked for by digest."""


class IncompatibleImage(DeployError):
    """The image exists but cannot run here (sandbox protocol mismatch, malformed manifest)."""
