"""Registry credentials and trust, read where Docker keeps them, so the engine, skopeo and dagseal agree.

A registry that workers pull from over a network needs TLS and authentication
(``tooling/start_registry.sh`` with ``DAGSEAL_REGISTRY_AUTH=htpasswd``). dagseal adds no settings of
its own for either: a host's credentials are the ``auths`` of its Docker client config
(``$DOCKER_CONFIG/config.json``, else ``~/.docker/config.json``, as ``docker login`` writes it) —
pull credentials on worker hosts, push credentials on the CI host — and a registry's CA is
``/etc/docker/certs.d/<host:port>/ca.crt``, where the engine itself looks. The engine's pulls use
both by themselves; this module hands them to dagseal's registry client and to skopeo. Nothing
here ever reaches a sandbox: its environment is scrubbed and it mounts neither file.
"""

from __future__ import annotations

import base64
import ssl
from pathlib import Path

CERTS_D = Path("/etc/docker/certs.d")

__all__ = ["CERTS_D", "auth_file", "basic_auth_header", "cert_dir", "ssl_context"]


def auth_file() -> Path | None:
    """The Docker client config holding this host's registry credentials, if there is one."""
    from docker.utils.config import find_config_file

    found = find_config_file()
    return Path(found) if found else None


def basic_auth_header(host: str) -> str | None:
    """``Basic …`` for ``host`` from the Docker client config, or None (anonymous)."""
    from docker import auth

    found = auth_file()
    if found is None:
        return None
    entry = auth.resolve_authconfig(auth.load_config(config_path=str(found)), registry=host)
    if not entry or not entry.get("username"):
        return None
    token = base64.b64encode(f"{entry['username']}:{entry.get('password') or ''}".encode()).decode()
    return f"Basic {token}"


def cert_dir(host: str) -> Path | None:
    """``/etc/docker/certs.d/<host>`` when it holds the registry's CA (skopeo's ``--cert-dir``)."""
    folder = CERTS_D / host
    return folder if (folder / "ca.crt").is_file() else None


def ssl_context(host: str) -> ssl.SSLContext:
    """The system's trust, plus the registry's own CA when the engine has one for it."""
    folder = cert_dir(host)
    return (
        ssl.create_default_context(cafile=str(folder / "ca.crt")) if folder else ssl.create_default_context()
    )
