"""The stand-in warehouse for egress tests: tooling/warehouse built on the test image, started on an
``--internal`` Docker network this test session creates (and removes)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import docker
from attrs import frozen
from testimage import REPO_ROOT, TEST_LABEL

WAREHOUSE_DIR = REPO_ROOT / "tooling" / "warehouse"
PORT = 8080


@frozen
class Warehouse:
    network: str
    host: str  # the container name: how tasks on the network reach it
    gateway: str
    login: str
    password: str
    container_id: str


def build_warehouse_image(client: docker.APIClient, base: str) -> str:
    """tooling/warehouse/Dockerfile on ``base``; no network (FROM a local image, COPY one file)."""
    output = client.build(
        path=str(WAREHOUSE_DIR),
        buildargs={"BASE": base},
        labels={TEST_LABEL: "1"},
        network_mode="none",
        rm=True,
        decode=True,
    )
    image = None
    for chunk in output:
        if "error" in chunk:
            raise RuntimeError(f"warehouse image build failed: {chunk['error']}")
        if "aux" in chunk and "ID" in chunk["aux"]:
            image = chunk["aux"]["ID"]
        if "stream" in chunk and chunk["stream"].startswith("Successfully built "):
            image = image or chunk["stream"].split()[-1]
    if image is None:
        raise RuntimeError("warehouse image build gave no image id")
    return image


@contextmanager
def running_warehouse(client: docker.APIClient, base: str) -> Iterator[Warehouse]:
    """An internal network (no host address on its bridge: ``inhibit_ipv4``) with the warehouse on it."""
    suffix = uuid.uuid4().hex[:8]
    network = f"dagseal-it-wh-{suffix}"
    client.create_network(
        network,
        driver="bridge",
        internal=True,
        labels={TEST_LABEL: "1"},
        options={"com.docker.network.bridge.inhibit_ipv4": "true"},
    )
    password = f"wh-Pa55-{uuid.uuid4().hex}"
    name = f"dagseal-it-warehouse-{suffix}"
    container = client.create_container(
        build_warehouse_image(client, base),
        command=["--port", str(PORT)],
        name=name,
        labels={TEST_LABEL: "1"},
        environment={"WAREHOUSE_USER": "loader", "WAREHOUSE_PASSWORD": password},
        host_config=client.create_host_config(network_mode=network),
    )
    try:
        client.start(container["Id"])
        _wait_listening(client, container["Id"])
        gateway = client.inspect_network(network)["IPAM"]["Config"][0]["Gateway"]
        yield Warehouse(network, name, gateway, "loader", password, container["Id"])
    finally:
        client.remove_container(container["Id"], force=True)
        client.remove_network(network)


def _wait_listening(client: docker.APIClient, container_id: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if b"listening on port" in client.logs(container_id):
            return
        if not client.inspect_container(container_id)["State"]["Running"]:
            break
        time.sleep(0.05)
    raise RuntimeError(f"warehouse did not start: {client.logs(container_id).decode(errors='replace')}")


def warehouse_log(client: docker.APIClient, warehouse: Warehouse) -> str:
    return client.logs(warehouse.container_id).decode(errors="replace")
