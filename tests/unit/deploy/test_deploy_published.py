"""Reading published digest maps: validation, registry refs, and finding a path's repo."""

import pytest
from deploy_maps import digest_map, repo

from dagseal.deploy import DeployError, ImageReference
from dagseal.deploy.published import entries, find_entry, with_registry_refs


def test_entries_read_what_publishing_and_deploying_need() -> None:
    (entry,) = entries(digest_map(repo("team_x", "v1")))
    assert entry.dag_dir == "dag_repos/team_x"
    assert entry.repository == "dagseal/team_x"
    assert entry.require_ref().digest == entry.manifest_digest


def test_repository_drops_a_tag_but_keeps_a_registry_port() -> None:
    raw = repo("team_x", "v1")
    raw["image"] = "localhost:5000/dagseal/team_x:latest"
    (entry,) = entries(digest_map(raw))
    assert entry.repository == "localhost:5000/dagseal/team_x"


def test_an_unpublished_repo_cannot_be_deployed() -> None:
    (entry,) = entries(digest_map(repo("team_x", "v1", registry=None)))
    with pytest.raises(DeployError, match="repo dag_repos/team_x has no registry_ref"):
        entry.require_ref()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r.pop("manifest_digest"), "malformed digest map entry 'dag_repos/team_x'"),
        (lambda r: r.update(image_id="latest"), "not a sha256 digest"),
        (lambda r: r.update(registry_ref="127.0.0.1:5000/dagseal/team_x:latest"), "not a digest reference"),
        (lambda r: r.update(registry_ref="127.0.0.1:5000/dagseal/team_x@sha256:" + "0" * 64), "does not pin"),
    ],
)
def test_malformed_entries_name_the_repo(mutate, message: str) -> None:
    raw = repo("team_x", "v1")
    mutate(raw)
    with pytest.raises(DeployError, match=f"repo .?dag_repos/team_x.?: .*{message}|{message}"):
        entries(digest_map(raw))


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"schema_version": 1, "repos": {}}, "no repos"),
        ({"schema_version": 2, "repos": {}}, "schema_version 2"),
    ],
)
def test_maps_without_repos_or_of_another_schema_are_refused(document: dict, message: str) -> None:
    with pytest.raises(DeployError, match=message):
        entries(document)


def test_with_registry_refs_copies_and_pins() -> None:
    document = digest_map(repo("team_x", "v1", registry=None))
    (entry,) = entries(document)
    ref = ImageReference("reg.internal:5000", "dagseal/team_x", entry.manifest_digest)
    published = with_registry_refs(document, {entry.dag_dir: ref})
    assert published["repos"]["dag_repos/team_x"]["registry_ref"] == str(ref)
    assert "registry_ref" not in document["repos"]["dag_repos/team_x"]


@pytest.mark.parametrize(
    ("path", "team"),
    [
        ("dag_repos/team_x", "team_x"),
        ("/srv/checkout/dag_repos/team_y", "team_y"),
        ("/srv/checkout/dag_repos/team_y/sub/etl.py", "team_y"),
        ("/srv/checkout/dag_repos/team_z", None),
        ("/srv/other/team_x", None),
    ],
)
def test_find_entry_matches_the_dag_directory_wherever_it_is_checked_out(path: str, team: str | None) -> None:
    document = digest_map(repo("team_x", "v1"), repo("team_y", "v1"))
    found = find_entry(document, path)
    assert (found.dag_dir if found else None) == (f"dag_repos/{team}" if team else None)
