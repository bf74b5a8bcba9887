"""``dagseal images publish`` → ``dagseal deploy`` → ``--list`` / ``--rollback`` as CI runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from deploy_images import build_layout, digest_map

from dagseal.cli import main


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture, migrated_db_url: str):
    """Run ``dagseal ARGS`` in-process on the test DB; returns (exit code, stdout, stderr)."""
    monkeypatch.delenv("DAGSEAL_CONFIG", raising=False)
    monkeypatch.setenv("DAGSEAL__CORE__SQL_ALCHEMY_CONN", migrated_db_url)
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _build(bazel_bin: Path, namespace: str, source: str) -> Path:
    document = digest_map(
        build_layout(bazel_bin, "team_x", f"{namespace}/team_x", source),
        build_layout(bazel_bin, "team_y", f"{namespace}/team_y", "print('y')"),
    )
    path = bazel_bin / "digest_map.json"
    path.write_text(json.dumps(document))
    return path


def test_publish_deploy_list_rollback(
    cli, registry: str, namespace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1 = _build(tmp_path / "v1", namespace, "print(1)")
    monkeypatch.setenv("DAGSEAL__DEPLOY__REGISTRY", registry)  # the address is configuration
    code, out, err = cli(
        "images", "publish", "--digest-map", str(v1), "--bazel-bin", str(v1.parent), "--out", "v1.json"
    )
    assert (code, err) == (0, "")
    assert f"{registry}/{namespace}/team_x@sha256:" in out
    assert "published digest map written to v1.json" in out

    v2 = _build(tmp_path / "v2", namespace, "print(2)")
    code, out, _ = cli(
        "images",
        "publish",
        "--registry",
        registry,
        "--digest-map",
        str(v2),
        "--bazel-bin",
        str(v2.parent),
        "--out",
        "v2.json",
    )
    team_y_row = next(line for line in out.splitlines() if line.startswith("dag_repos/team_y"))
    assert team_y_row.split()[1:3] == ["0", "B"]  # unchanged team: nothing uploaded

    code, out, _ = cli("deploy", "v1.json")
    assert (code, out.splitlines()[0]) == (0, "deployment 1 is current:")
    code, out, _ = cli("deploy", "v2.json", "--created-from", "ci job 7")
    assert (code, out.splitlines()[0]) == (0, "deployment 2 is current:")
    code, out, _ = cli("deploy", "--list")
    rows = out.splitlines()[1:]
    assert rows[0].split()[:2] == ["2", "yes"] and "ci job 7" in rows[0]
    assert rows[1].split()[:2] == ["1", "no"]
    assert cli("deploy", "--rollback")[:2] == (
        0,
        "deployment 1 (created " + rows[1].split()[2] + " " + rows[1].split()[3] + ") is current again\n",
    )
    code, out, _ = cli("deploy", "--list")
    assert out.splitlines()[1].split()[:2] == ["2", "no"] and out.splitlines()[2].split()[:2] == ["1", "yes"]


def test_refusals_are_one_line_errors(cli, registry: str, namespace: str, tmp_path: Path) -> None:
    v1 = _build(tmp_path / "v1", namespace, "print(1)")
    code, _, err = cli("images", "publish", "--digest-map", str(v1), "--bazel-bin", str(v1.parent))
    assert code == 1
    assert err == "dagseal: error: no registry: pass --registry HOST[:PORT] or set [deploy] registry\n"
    code, _, err = cli("deploy", str(v1))  # built but never published
    assert code == 1 and "repo dag_repos/team_x has no registry_ref" in err
    code, _, err = cli("deploy")
    assert code == 1 and "give exactly one of" in err
