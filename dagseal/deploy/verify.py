"""Before a map becomes current, every image must be pullable by digest and speak our protocol.

Checking at deploy time turns "the registry lost an image" or "this image was built for another
sandbox protocol" into a refused deploy instead of failing task runs hours later.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from dagseal.deploy.errors import DeployError
from dagseal.deploy.published import MapEntry, entries
from dagseal.deploy.registry import RegistryClient
from dagseal.errors import ImageMissing, IncompatibleImage
from dagseal.sandbox.protocol import MIN_PROTOCOL_VERSION, PROTOCOL_LABEL

__all__ = ["verify_map"]


def verify_map(
    document: dict[str, Any],
    protocol_version: int,
    client_for: Callable[[str], RegistryClient] = RegistryClient,
) -> list[MapEntry]:
    """Check every repo of a published map against its registry; raise naming the first bad repo."""
    checked = entries(document)
    clients: dict[str, RegistryClient] = {}
    for entry in checked:
        ref = entry.require_ref()
        if ref.registry not in clients:
            clients[ref.registry] = client_for(ref.registry)
            clients[ref.registry].ping()
        _verify_entry(clients[ref.registry], entry, protocol_version)
    return checked


def _verify_entry(client: RegistryClient, entry: MapEntry, protocol_version: int) -> None:
    ref = entry.require_ref()
    try:
        manifest = client.manifest(ref.name, ref.digest)
        config = json.loads(client.blob(ref.name, manifest.config_digest))
    except ImageMissing as exc:
        raise ImageMissing(f"repo {entry.dag_dir}: {ref} is not in the registry ({exc})") from exc
    except (DeployError, IncompatibleImage) as exc:
        raise type(exc)(f"repo {entry.dag_dir}: {exc}") from exc
    if manifest.config_digest != entry.image_id:
        raise IncompatibleImage(
            f"repo {entry.dag_dir}: {ref} has image id {manifest.config_digest}, "
            f"the map says {entry.image_id}"
        )
    labels = (config.get("config") or {}).get("Labels") or {}
    found = labels.get(PROTOCOL_LABEL)
    if found not in {str(v) for v in range(MIN_PROTOCOL_VERSION, protocol_version + 1)}:
        raise IncompatibleImage(
            f"repo {entry.dag_dir}: {ref} speaks sandbox protocol {found or 'unknown'} "
            f"(label {PROTOCOL_LABEL}); this dagseal runs {MIN_PROTOCOL_VERSION} to {protocol_version}"
        )
