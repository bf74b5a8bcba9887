"""Bazel test: every built OCI layout is self-consistent and matches //:digest_map.

Checks blob digests, manifest/config links, diff_ids against the uncompressed layers, the
sandbox protocol label, and that the digest map records exactly these digests.
Arguments: the digest map, then each image's `$(rootpaths)` (the layout dirs are used).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path


def _blob(layout: Path, digest: str) -> bytes:
    data = (layout / "blobs/sha256" / digest.removeprefix("sha256:")).read_bytes()
    assert "sha256:" + hashlib.sha256(data).hexdigest() == digest, f"{layout}: blob {digest} is corrupt"
    return data


def check_layout(layout: Path, entry: dict) -> None:
    """Raise AssertionError if ``layout`` is inconsistent or differs from its map ``entry``."""
    index = json.loads((layout / "index.json").read_bytes())
    manifest_digest = index["manifests"][0]["digest"]
    manifest = json.loads(_blob(layout, manifest_digest))
    config = json.loads(_blob(layout, manifest["config"]["digest"]))
    diff_ids = [
        "sha256:" + hashlib.sha256(gzip.decompress(_blob(layout, layer["digest"]))).hexdigest()
        for layer in manifest["layers"]
    ]
    assert diff_ids == config["rootfs"]["diff_ids"], f"{layout}: diff_ids do not match the layers"
    assert config["config"]["Labels"]["io.dagseal.sandbox.protocol"] == str(entry["sandbox_protocol"])
    assert manifest_digest == entry["manifest_digest"], f"{layout}: manifest digest differs from the map"
    assert manifest["config"]["digest"] == entry["image_id"], f"{layout}: image id differs from the map"
    assert [layer["diff_id"] for layer in entry["layers"]] == diff_ids


def main(argv: list[str]) -> int:
    """Check every layout given against the digest map given first."""
    repos = json.loads(Path(argv[0]).read_bytes())["repos"]
    layouts = {str(Path(arg).parent): Path(arg) for arg in argv[1:] if Path(arg).is_dir()}
    assert set(layouts) == set(repos), f"layouts {sorted(layouts)} vs map {sorted(repos)}"
    for dag_dir, layout in layouts.items():
        check_layout(layout, repos[dag_dir])
        print(f"ok {dag_dir} {repos[dag_dir]['manifest_digest']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
