"""A small client for the OCI Distribution v2 HTTP API (any v2 registry), over urllib.

Deploying only needs to ask a registry a few questions by digest — is this manifest there, what
does its config say, which blobs does it hold already — so this speaks HTTP directly instead of
pulling in a registry SDK. Plain HTTP is used for loopback registries (as Docker does) or when
the address says ``http://``; anything else is HTTPS. Credentials and the registry's CA come from
where Docker keeps them (``registry_auth.py``).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from dagseal.deploy.errors import DeployError, RegistryUnreachable
from dagseal.deploy.reference import check_digest
from dagseal.deploy.registry_auth import basic_auth_header, cert_dir, ssl_context
from dagseal.errors import ImageMissing, IncompatibleImage

__all__ = ["IMAGE_MANIFEST_TYPES", "Manifest", "RegistryAddress", "RegistryClient"]

IMAGE_MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
_INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
_ACCEPT = ", ".join(IMAGE_MANIFEST_TYPES + _INDEX_TYPES)


@dataclass(frozen=True)
class RegistryAddress:
    """Where a registry listens: ``host`` (as written in image references) and the URL scheme."""

    host: str
    scheme: str

    @classmethod
    def parse(cls, text: str) -> RegistryAddress:
        """``host[:port]`` or an explicit ``http(s)://host[:port]``. Without a scheme: HTTPS, except
        plain HTTP on loopback when the engine holds no CA for it (``/etc/docker/certs.d``)."""
        text = text.strip().rstrip("/")
        scheme, sep, host = text.partition("://")
        if sep:
            if scheme not in ("http", "https"):
                raise DeployError(f"registry address {text!r}: scheme must be http or https")
        else:
            host, scheme = text, "http" if _is_loopback(text) and cert_dir(text) is None else "https"
        if not host or "/" in host:
            raise DeployError(f"registry address {text!r} is not host[:port]")
        return cls(host=host, scheme=scheme)

    @property
    def insecure(self) -> bool:
        """True when the registry speaks plain HTTP (tools need TLS verification turned off)."""
        return self.scheme == "http"

    def __str__(self) -> str:
        return self.host


def _is_loopback(host_port: str) -> bool:
    host = host_port.rsplit(":", 1)[0] if not host_port.startswith("[") else host_port[1:].split("]")[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Manifest:
    """A single-platform image manifest exactly as the registry stores it (bytes keep the digest)."""

    raw: bytes
    media_type: str
    digest: str

    @property
    def document(self) -> dict[str, Any]:
        return json.loads(self.raw)

    @property
    def config_digest(self) -> str:
        return self.document["config"]["digest"]

    def blobs(self) -> list[tuple[str, int]]:
        """``(digest, size)`` of the config and every layer: what a push may have to upload."""
        doc = self.document
        return [(doc["config"]["digest"], doc["config"]["size"])] + [
            (layer["digest"], layer["size"]) for layer in doc["layers"]
        ]


class RegistryClient:
    """Questions to one registry, each answered from the registry itself (no local cache)."""

    def __init__(self, address: str | RegistryAddress, timeout: float = 30.0) -> None:
        self.address = address if isinstance(address, RegistryAddress) else RegistryAddress.parse(address)
        self.timeout = timeout
        self._authorization = basic_auth_header(self.address.host)
        self._context = None if self.address.insecure else ssl_context(self.address.host)

    def ping(self) -> None:
        """Raise ``RegistryUnreachable`` unless the registry answers its v2 base endpoint."""
        self._request("GET", "/v2/", what="the v2 API", missing_ok=False)

    def has_manifest(self, name: str, digest: str) -> bool:
        return self._request("HEAD", f"/v2/{name}/manifests/{check_digest(digest)}", what=name) is not None

    def manifest(self, name: str, reference: str) -> Manifest:
        """The manifest for a digest or tag; a digest is checked against the bytes received."""
        response = self._request("GET", f"/v2/{name}/manifests/{reference}", what=f"{name}@{reference}")
        if response is None:
            raise ImageMissing(f"registry {self.address} has no manifest {reference} in repository {name}")
        _, raw, headers = response
        digest = "sha256:" + hashlib.sha256(raw).hexdigest()
        if reference.startswith("sha256:") and digest != reference:
            raise IncompatibleImage(f"registry {self.address} served {name}@{reference} with digest {digest}")
        media_type = headers.get("Content-Type", "").split(";")[0].strip()
        if media_type not in IMAGE_MANIFEST_TYPES:
            raise IncompatibleImage(
                f"{self.address}/{name}@{digest} is a {media_type or 'untyped'} manifest; "
                "dagseal deploys single-platform image manifests"
            )
        return Manifest(raw=raw, media_type=media_type, digest=digest)

    def blob_size(self, name: str, digest: str) -> int | None:
        """Size of a blob the repository holds, or None when it lacks it."""
        response = self._request("HEAD", f"/v2/{name}/blobs/{check_digest(digest)}", what=name)
        return None if response is None else int(response[2].get("Content-Length", 0))

    def blob(self, name: str, digest: str) -> bytes:
        response = self._request("GET", f"/v2/{name}/blobs/{check_digest(digest)}", what=name)
        if response is None:
            raise ImageMissing(f"registry {self.address} has no blob {digest} in repository {name}")
        data = response[1]
        if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
            raise IncompatibleImage(f"registry {self.address} served blob {digest} of {name} corrupted")
        return data

    def mount_blob(self, name: str, digest: str, source: str) -> bool:
        """Link a blob of repository ``source`` into ``name`` without sending its bytes.

        A registry that declines (or lacks the blob) opens an upload session instead; it is
        cancelled at once and False returned, so the caller uploads the blob normally.
        """
        query = urllib.parse.urlencode({"mount": check_digest(digest), "from": source})
        response = self._request(
            "POST",
            f"/v2/{name}/blobs/uploads/?{query}",
            what=f"mount of {digest} into {name}",
            body=b"",
            missing_ok=False,
        )
        assert response is not None
        status, _, headers = response
        if status == 201:
            return True
        location = headers.get("Location", "")
        if location:
            url = urllib.parse.urlsplit(location)
            self._request("DELETE", url.path + (f"?{url.query}" if url.query else ""), what="upload cancel")
        return False

    def put_manifest(self, name: str, reference: str, manifest: Manifest) -> None:
        """Store ``manifest`` under ``reference`` (a tag): how a pushed digest gets a readable name."""
        self._request(
            "PUT",
            f"/v2/{name}/manifests/{reference}",
            what=f"{name}:{reference}",
            body=manifest.raw,
            content_type=manifest.media_type,
            missing_ok=False,
        )

    def _request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        body: bytes | None = None,
        content_type: str | None = None,
        missing_ok: bool = True,
    ) -> tuple[int, bytes, Any] | None:
        """One HTTP exchange → (status, body, headers); None for 404 when ``missing_ok``."""
        url = f"{self.address.scheme}://{self.address.host}{path}"
        request = urllib.request.Request(url, data=body, method=method, headers={"Accept": _ACCEPT})
        if content_type:
            request.add_header("Content-Type", content_type)
        if self._authorization:
            request.add_header("Authorization", self._authorization)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._context) as response:
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as exc:
            if exc.code == 404 and missing_ok:
                return None
            raise DeployError(
                f"registry {self.address} answered {exc.code} {exc.reason} to {method} {what}"
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RegistryUnreachable(
                f"registry {self.address} is unreachable ({reason}); start it or fix [deploy] registry"
            ) from exc
