"""Command line used by tooling/bazel rules: ``layer``, ``image``, ``docker-tar``, ``digest-map``,
``check-protocol``.

Each command reads one JSON spec written by a rule (see tooling/bazel/private/*.bzl);
``check-protocol`` reads an image's labels file and dagseal/sandbox/protocol.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tooling.image_writer import bytecode, debian, oci, wheels
from tooling.image_writer.digest_map import build_digest_map
from tooling.image_writer.protocol_check import ProtocolMismatch, check_labels_file
from tooling.image_writer.tarball import Tree, write_layer


def _spec(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def build_tree(spec: dict[str, Any]) -> Tree:
    """The file tree of a layer spec: debs, wheels, files and symlinks (a JSON file: path -> target)."""
    tree = Tree()
    for deb in spec.get("debs", []):
        debian.add_deb(tree, Path(deb))
    if spec.get("debs"):
        debian.add_merged_usr_links(tree)
    if spec.get("ca_bundle"):
        debian.add_ca_bundle(tree, spec["ca_bundle"])
    for wheel in spec.get("wheels", []):
        wheels.add_wheel(tree, Path(wheel), spec["wheel_prefix"])
    for item in spec.get("files", []):
        src = Path(item["src"])
        tree.add_file(item["path"], src.read_bytes(), executable=bool(src.stat().st_mode & 0o100))
    symlinks = _spec(spec["symlinks_file"]) if spec.get("symlinks_file") else {}
    for path, target in symlinks.items():
        tree.add_symlink(path, target)
    if spec.get("pyc_python"):
        skipped = bytecode.add_pyc(tree, spec["pyc_python"], spec.get("pyc_under", ""))
        if skipped:
            reason = "invalid Python or a link out of the layer"
            print(f"no .pyc for {len(skipped)} sources ({reason}): /{', /'.join(skipped)}", file=sys.stderr)
    return tree


def cmd_layer(args: argparse.Namespace) -> None:
    """Write one layer blob and its descriptor."""
    spec = _spec(args.spec)
    with open(args.out, "wb") as out:
        descriptor = write_layer(build_tree(spec), out)
    Path(args.descriptor).write_bytes(oci.canonical_json({**descriptor.to_dict(), "role": spec["role"]}))


def settings_from_spec(raw: dict[str, Any]) -> oci.ImageSettings:
    """The rule's settings: env, cmd, entrypoint and labels come as JSON files (``<key>_file``)."""
    values = {key: value for key, value in raw.items() if not key.endswith("_file")}
    for key in ("env", "cmd", "entrypoint", "labels"):
        if raw.get(key + "_file"):
            values[key] = _spec(raw[key + "_file"])
    return oci.ImageSettings.from_dict(values)


def cmd_image(args: argparse.Namespace) -> None:
    """Write an OCI layout plus digest, image id and image.json."""
    spec = _spec(args.spec)
    settings = settings_from_spec(spec["settings"])
    if spec.get("base"):
        base = _spec(spec["base"])
        settings = settings.over(oci.ImageSettings.from_dict(base["settings"]))
    layers = []
    for item in spec["layers"]:
        d = _spec(item["descriptor"])
        layers.append(oci.Layer(Path(item["tar"]), d["digest"], d["diff_id"], d["size"], d["role"]))
    image = oci.build_image(layers, settings)
    oci.write_layout(image, Path(args.layout))
    Path(args.digest).write_text(image.manifest_digest)
    Path(args.image_id).write_text(image.image_id)
    Path(args.image_json).write_bytes(oci.canonical_json(oci.describe(image, settings)))


def cmd_docker_tar(args: argparse.Namespace) -> None:
    """Write a tar that ``docker load`` (Engine 20.10) accepts."""
    oci.write_docker_tar(Path(args.layout), args.repo_tag, Path(args.out))


def cmd_digest_map(args: argparse.Namespace) -> None:
    """Write the digest map of all repos."""
    Path(args.out).write_bytes(build_digest_map(_spec(args.spec)["repos"]))


def cmd_check_protocol(args: argparse.Namespace) -> None:
    """Copy the labels file to ``--out`` if its protocol label equals the Python constant."""
    try:
        check_labels_file(Path(args.labels), Path(args.protocol_source), Path(args.out))
    except ProtocolMismatch as error:
        sys.exit(f"sandbox protocol check failed: {error}")


def parser() -> argparse.ArgumentParser:
    """The argument parser."""
    root = argparse.ArgumentParser(prog="image_writer", description=__doc__)
    sub = root.add_subparsers(required=True)
    layer = sub.add_parser("layer")
    layer.add_argument("--spec", required=True)
    layer.add_argument("--out", required=True)
    layer.add_argument("--descriptor", required=True)
    layer.set_defaults(func=cmd_layer)
    image = sub.add_parser("image")
    for flag in ("--spec", "--layout", "--digest", "--image-id", "--image-json"):
        image.add_argument(flag, required=True)
    image.set_defaults(func=cmd_image)
    docker = sub.add_parser("docker-tar")
    docker.add_argument("--layout", required=True)
    docker.add_argument("--repo-tag", action="append", default=[])
    docker.add_argument("--out", required=True)
    docker.set_defaults(func=cmd_docker_tar)
    dmap = sub.add_parser("digest-map")
    dmap.add_argument("--spec", required=True)
    dmap.add_argument("--out", required=True)
    dmap.set_defaults(func=cmd_digest_map)
    check = sub.add_parser("check-protocol")
    for flag in ("--labels", "--protocol-source", "--out"):
        check.add_argument(flag, required=True)
    check.set_defaults(func=cmd_check_protocol)
    return root


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parser().parse_args(argv)
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
