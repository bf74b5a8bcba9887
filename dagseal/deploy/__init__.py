"""Publishing images to a registry and digest-pinned deployments (host side only).

Build → publish (push by digest, pin ``registry_ref``) → deploy (verify, record as current in
the DB) → runs pinned to the current deployment's digests → hosts pull by digest on first use.
Heavy modules (DB, Docker) are imported by the functions that need them, not here.
"""

from dagseal.deploy.errors import DeployError, RegistryUnreachable
from dagseal.deploy.reference import ImageReference
from dagseal.deploy.registry import RegistryAddress, RegistryClient
from dagseal.errors import ImageMissing, IncompatibleImage

__all__ = [
    "DeployError",
    "ImageMissing",
    "ImageReference",
    "IncompatibleImage",
    "RegistryAddress",
    "RegistryClient",
    "RegistryUnreachable",
]
