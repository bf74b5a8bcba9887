"""Digest references and registry addresses: the only way dagseal names an image it deploys."""

import pytest

from dagseal.deploy import DeployError, ImageReference, RegistryAddress

DIGEST = "sha256:" + "ab" * 32


def test_reference_round_trips() -> None:
    text = f"127.0.0.1:5000/dagseal/team_x@{DIGEST}"
    ref = ImageReference.parse(text)
    assert (ref.registry, ref.name, ref.digest) == ("127.0.0.1:5000", "dagseal/team_x", DIGEST)
    assert str(ref) == text


@pytest.mark.parametrize(
    "text",
    [
        "127.0.0.1:5000/team_x:latest",  # a tag can move: refused
        f"team_x@{DIGEST}",  # no registry
        "127.0.0.1:5000/team_x@sha256:abc",  # short digest
        f"127.0.0.1:5000/Team_X@{DIGEST}",  # upper case repository
    ],
)
def test_reference_refuses_anything_but_a_full_digest_reference(text: str) -> None:
    with pytest.raises(DeployError):
        ImageReference.parse(text)


@pytest.mark.parametrize(
    ("text", "host", "scheme"),
    [
        ("127.0.0.1:5000", "127.0.0.1:5000", "http"),
        ("localhost:5000", "localhost:5000", "http"),
        ("[::1]:5000", "[::1]:5000", "http"),
        ("registry.internal:443", "registry.internal:443", "https"),
        ("http://10.1.2.3:5000/", "10.1.2.3:5000", "http"),
        ("https://127.0.0.1:5000", "127.0.0.1:5000", "https"),
    ],
)
def test_registry_address_picks_plain_http_only_for_loopback_or_when_asked(
    text: str, host: str, scheme: str
) -> None:
    address = RegistryAddress.parse(text)
    assert (address.host, address.scheme, address.insecure) == (host, scheme, scheme == "http")


@pytest.mark.parametrize("text", ["", "ftp://127.0.0.1:5000", "127.0.0.1:5000/team_x"])
def test_registry_address_refuses_non_addresses(text: str) -> None:
    with pytest.raises(DeployError):
        RegistryAddress.parse(text)
