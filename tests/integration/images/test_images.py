"""The built images load, speak the sandbox protocol, isolate team dependencies and are valid OCI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from image_helpers import ROOT, TEST_LABEL, copy_checkout, docker_run, inspect, run

from dagseal.digest_map import DigestMap
from dagseal.sandbox.protocol import PROTOCOL_VERSION


def test_every_image_speaks_the_protocol(digest_map: DigestMap, loaded: dict[str, str]) -> None:
    assert set(loaded) == {"dag_repos/team_x", "dag_repos/team_y"}
    for dag_dir, image_id in loaded.items():
        out = docker_run(image_id, "python3", "-m", "dagseal.sandbox", "--version")
        assert out.strip() == f"dagseal-sandbox-protocol {PROTOCOL_VERSION}"
        config = inspect(image_id)["Config"]
        assert config["Labels"]["io.dagseal.sandbox.protocol"] == str(PROTOCOL_VERSION)
        assert config["WorkingDir"] == digest_map.repos[dag_dir].container_dag_dir


def test_images_run_as_dagseal_without_network(loaded: dict[str, str]) -> None:
    image = loaded["dag_repos/team_x"]
    script = (
        "import os, pwd, ssl, zoneinfo; print(os.getuid(), pwd.getpwuid(os.getuid()).pw_name,"
        " ssl.create_default_context().cert_store_stats()['x509_ca'] > 50, zoneinfo.ZoneInfo('Asia/Tokyo'))"
    )
    out = run(
        "docker", "run", "--rm", "--network", "none", "--label", TEST_LABEL, image, "python3", "-c", script
    )
    assert out.split() == ["1000", "dagseal", "True", "Asia/Tokyo"]


# Run inside the image by its own Python: every shipped .pyc has its magic and is checked-hash.
PYC_SCRIPT = """
import importlib.util, pathlib
pycs = [p for root in ("/usr/lib/python3.11", "/opt/dagseal") for p in pathlib.Path(root).rglob("*.pyc")]
bad = [str(p) for p in pycs if p.read_bytes()[:8] != importlib.util.MAGIC_NUMBER + (3).to_bytes(4, "little")]
print(len(pycs), len([p for p in pycs if p.parts[1:3] == ("opt", "dagseal")]), bad)
"""


def test_shipped_pyc_match_the_image_python_and_are_used(loaded: dict[str, str]) -> None:
    for image in loaded.values():
        count, in_opt, bad = docker_run(image, "python3", "-c", PYC_SCRIPT).split(maxsplit=2)
        assert int(count) > 500 and int(in_opt) > 50 and bad.strip() == "[]"
        verbose = subprocess.run(
            ["docker", "run", "--rm", "--read-only", "--network", "none", "--user", "1000",
             "--label", TEST_LABEL, image, "python3", "-v", "-c", "import dagseal.sandbox, tabulate"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        loaded_code = [line for line in verbose.stderr.splitlines() if line.startswith("# code object from")]
        assert len(loaded_code) > 50
        assert [line for line in loaded_code if not line.endswith(".pyc'")] == []


def _run_task(image: str, dag_dir: str, team: str) -> dict:
    source = (ROOT / dag_dir / "report_versions.py").read_text()
    request = {
        "type": "run_task",
        "id": 1,
        "dag_folder": f"/opt/dagseal/dags/{team}",
        "file": "report_versions.py",
        "source": source,
        "dag_id": f"{team}.report_versions",
        "task_id": "tabulate_version",
        "run_id": "images-test",
        "try_number": 1,
        "logical_date": None,
        "params": {},
        "conf": {},
        "upstream_results": {},
    }
    stdin = json.dumps(request) + "\n" + json.dumps({"type": "shutdown", "id": 2}) + "\n"
    lines = [
        json.loads(line)
        for line in docker_run(image, "python3", "-m", "dagseal.sandbox", stdin=stdin).splitlines()
        if line.strip()
    ]
    return next(line for line in lines if line["type"] == "task_result")


def test_teams_see_their_own_pinned_tabulate(loaded: dict[str, str]) -> None:
    x = _run_task(loaded["dag_repos/team_x"], "dag_repos/team_x", "team_x")
    y = _run_task(loaded["dag_repos/team_y"], "dag_repos/team_y", "team_y")
    assert (x["state"], x["return_value"]) == ("success", "tabulate 0.8.10")
    assert (y["state"], y["return_value"]) == ("success", "tabulate 0.9.0")


def test_skopeo_accepts_every_layout(digest_map: DigestMap) -> None:
    for entry in digest_map.repos.values():
        raw = run("skopeo", "inspect", "--raw", f"oci:{ROOT / 'bazel-bin' / entry.dag_dir / 'image'}")
        info = json.loads(run("skopeo", "inspect", f"oci:{ROOT / 'bazel-bin' / entry.dag_dir / 'image'}"))
        assert info["Digest"] == entry.manifest_digest
        layers = [layer["digest"] for layer in json.loads(raw)["layers"]]
        assert layers == [layer.digest for layer in entry.layers]


def test_loaded_image_id_is_the_config_digest(digest_map: DigestMap, loaded: dict[str, str]) -> None:
    for dag_dir, image_id in loaded.items():
        diff_ids = [layer.diff_id for layer in digest_map.repos[dag_dir].layers]
        assert inspect(image_id)["RootFS"]["Layers"] == diff_ids


def _map(checkout: Path, output_base: Path) -> dict:
    run("bazel", f"--output_base={output_base}", "build", "--noshow_progress", "//:digest_map", cwd=checkout)
    return json.loads((checkout / "bazel-bin/digest_map.json").read_text())["repos"]


@pytest.mark.timeout(900)
def test_dag_edit_changes_only_that_repos_dag_layer(tmp_path: Path) -> None:
    checkout, output_base = tmp_path / "checkout", tmp_path / "output_base"
    copy_checkout(checkout)
    try:
        before = _map(checkout, output_base)
        with (checkout / "dag_repos/team_x/etl.py").open("a") as dag:
            dag.write("# one-line edit\n")
        after = _map(checkout, output_base)
    finally:
        subprocess.run(["bazel", f"--output_base={output_base}", "shutdown"], cwd=checkout, check=False)
        subprocess.run(["chmod", "-R", "u+w", str(tmp_path)], check=False)
    assert after["dag_repos/team_y"] == before["dag_repos/team_y"]
    changed = [
        (b["role"], b == a)
        for b, a in zip(
            before["dag_repos/team_x"]["layers"], after["dag_repos/team_x"]["layers"], strict=True
        )
    ]
    assert changed == [("base", True), ("wheels", True), ("sdk", True), ("dags", False)]
    assert after["dag_repos/team_x"]["manifest_digest"] != before["dag_repos/team_x"]["manifest_digest"]
    assert after["dag_repos/team_x"]["image_id"] != before["dag_repos/team_x"]["image_id"]
