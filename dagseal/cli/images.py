"""``dagseal images publish | prune``: ship built images to a registry, clean up old local ones.

``publish`` pushes with ``skopeo copy --preserve-digests`` (never ``docker push``, which would
recompress layers and change the digests the map pins) and prints the bytes each repo really
uploaded. ``prune`` is a dry run unless ``--yes``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dagseal.cli.common import open_database
from dagseal.cli.output import format_cell, print_table
from dagseal.config import Config, load_config
from dagseal.errors import DagsealError

DEFAULT_RETENTION_DAYS = 7.0
DEFAULT_MAP = "bazel-bin/digest_map.json"
DEFAULT_OUT = "published_digest_map.json"


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("images", help="publish images to a registry, prune local ones")
    commands = group.add_subparsers(dest="images_command", metavar="SUBCOMMAND", required=True)
    publish = commands.add_parser("publish", help="push a digest map's images by digest, pin registry refs")
    publish.add_argument("--registry", help="HOST[:PORT] of a v2 registry (default: [deploy] registry)")
    publish.add_argument("--digest-map", help=f"built digest map (default: [core] digest_map, {DEFAULT_MAP})")
    publish.add_argument("--out", default=DEFAULT_OUT, help=f"published map to write (default {DEFAULT_OUT})")
    publish.add_argument("--bazel-bin", default="bazel-bin", help="where Bazel wrote the OCI layouts")
    publish.add_argument("--tag", action="append", help="tag to add (repeatable; default sha256-<hex>)")
    publish.set_defaults(handler=publish_command)
    prune = commands.add_parser("prune", help="remove local images no recent deployment references")
    prune.add_argument(
        "--retention-days",
        type=float,
        help="keep images of deployments this recent "
        f"(default: [deploy] image_retention_days, {DEFAULT_RETENTION_DAYS:g})",
    )
    prune.add_argument("--yes", action="store_true", help="really remove (default: only list)")
    prune.set_defaults(handler=prune_command)


def _option(config: Config, key: str) -> str:
    return config.get("deploy", key).strip() if config.has_option("deploy", key) else ""


def _map_path(config: Config, given: str | None) -> Path:
    return Path(given or config.get("core", "digest_map").strip() or DEFAULT_MAP)


def publish_command(args: argparse.Namespace) -> None:
    from dagseal.deploy.publish import bazel_layout, publish_map
    from dagseal.deploy.published import load_map
    from dagseal.deploy.registry import RegistryAddress

    config = load_config()
    registry = args.registry or _option(config, "registry")
    if not registry:
        raise DagsealError("no registry: pass --registry HOST[:PORT] or set [deploy] registry")
    published, results = publish_map(
        load_map(_map_path(config, args.digest_map)),
        RegistryAddress.parse(registry),
        bazel_layout(Path(args.bazel_bin)),
        args.tag,
    )
    print_table(
        ("REPO", "UPLOADED", "MOUNTED", "IMAGE SIZE", "SECONDS", "REGISTRY REF"),
        [
            (
                r.dag_dir,
                f"{r.uploaded_bytes} B",
                f"{r.mounted_bytes} B",
                f"{r.total_bytes} B",
                f"{r.seconds:.2f}",
                str(r.ref),
            )
            for r in results
        ],
        empty="nothing to publish",
    )
    total = sum(r.uploaded_bytes for r in results)
    Path(args.out).write_text(json.dumps(published, sort_keys=True, indent=2) + "\n", encoding="utf-8")
    print(f"uploaded {total} bytes in all; published digest map written to {args.out}")


def prune_command(args: argparse.Namespace) -> None:
    import docker

    from dagseal.db.session import session_scope
    from dagseal.deploy.prune import apply_prune, plan_prune
    from dagseal.timeutil import utcnow

    config = load_config()
    days = args.retention_days
    if days is None:
        days = float(_option(config, "image_retention_days") or DEFAULT_RETENTION_DAYS)
    client = docker.DockerClient(base_url=config.get("docker_runtime", "socket_path"), version="auto")
    try:
        with session_scope(open_database(config)) as session:
            plan = plan_prune(session, client, days, utcnow())
        if args.yes:
            rows = [(i.image_id, f"{i.size} B", error or "removed") for i, error in apply_prune(client, plan)]
            print_table(("IMAGE ID", "SIZE", "RESULT"), rows, empty="nothing to prune")
            return
    finally:
        client.close()
    rows = [(i.image_id, f"{i.size} B", " ".join(i.references) or None) for i in plan.remove]
    print_table(("IMAGE ID", "SIZE", "REFERENCES"), rows, empty="nothing to prune")
    print(
        f"dry run: {len(plan.remove)} to remove, {len(plan.keep)} kept (used by deployments since "
        f"{format_cell(plan.cutoff)}, the current one or unfinished runs); pass --yes to remove"
    )
