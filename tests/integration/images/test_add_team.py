"""Adding a team is copying one folder and adding one line to dag_repos/teams.bzl (docs/images.md).

In a copy of the checkout, dag_repos/team_x is copied to a new folder and its name added to
TEAMS; nothing else is edited. The digest map must then hold the new team, with team_x's wheels
(from the copied requirements.lock, fetched by the wheel repository the line defines), base and
SDK layers, and its own DAG layer and image.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from image_helpers import ROOT, copy_checkout, run

from dagseal.sandbox.protocol import PROTOCOL_VERSION

NEW_TEAM = "team_new"


def _output_base() -> Path:
    """An output base kept between runs for this checkout, so a rerun builds only the new team.

    A fresh one would fetch the pinned .debs and wheels and build the base layer again (about a
    minute here); Bazel's caches are keyed by content, so reusing it cannot hide a broken line.
    """
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "dagseal" / "bazel-add-team" / hashlib.sha256(str(ROOT).encode()).hexdigest()[:16]


def _add_team(checkout: Path) -> None:
    """What a user does: copy team_x's folder, add one line to TEAMS."""
    shutil.copytree(checkout / "dag_repos/team_x", checkout / "dag_repos" / NEW_TEAM)
    teams = checkout / "dag_repos/teams.bzl"
    before = teams.read_text()
    after = before.replace("TEAMS = [\n", f'TEAMS = [\n    "{NEW_TEAM}",\n', 1)
    teams.write_text(after)
    assert len(after.splitlines()) == len(before.splitlines()) + 1


@pytest.mark.timeout(900)
def test_copying_a_team_folder_and_adding_one_line_adds_the_team(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    copy_checkout(checkout)
    _add_team(checkout)
    bazel = ("bazel", f"--output_base={_output_base()}")
    try:
        run(*bazel, "build", "--noshow_progress", "//:digest_map", cwd=checkout)
    finally:
        subprocess.run([*bazel, "shutdown"], cwd=checkout, capture_output=True, check=False)
    repos = json.loads((checkout / "bazel-bin/digest_map.json").read_text())["repos"]
    assert set(repos) == {"dag_repos/team_x", "dag_repos/team_y", f"dag_repos/{NEW_TEAM}"}
    new, team_x = repos[f"dag_repos/{NEW_TEAM}"], repos["dag_repos/team_x"]
    assert (new["image"], new["container_dag_dir"], new["bazel_target"]) == (
        f"dagseal/{NEW_TEAM}",
        f"/opt/dagseal/dags/{NEW_TEAM}",
        f"//dag_repos/{NEW_TEAM}:image",
    )
    assert (new["runtime"], new["sandbox_protocol"]) == ("python311", PROTOCOL_VERSION)
    assert new["files"] == team_x["files"]
    layers = zip(new["layers"], team_x["layers"], strict=True)
    same = [(a["role"], a["digest"] == b["digest"]) for a, b in layers]
    assert same == [("base", True), ("wheels", True), ("sdk", True), ("dags", False)]
    image_dir = checkout / "bazel-bin/dag_repos" / NEW_TEAM
    assert (image_dir / "image.digest").read_text() == new["manifest_digest"]
    labels = json.loads((image_dir / "image.image.json").read_text())["settings"]["labels"]
    assert labels["io.dagseal.dag_dir"] == f"dag_repos/{NEW_TEAM}"
    assert labels["io.dagseal.sandbox.protocol"] == str(PROTOCOL_VERSION)
