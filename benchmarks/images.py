"""Image benchmarks: cold build, one-line DAG edit rebuild, layer sizes, `docker build`, start time.

Works on a private copy of the checkout with its own Bazel output base, so the tree others work
in is never edited. Prints figures (medians where several runs make sense); asserts no timing.
Needs Bazel (tooling/install_bazel.sh) and, for the docker build part, the engine
(tooling/start_docker.sh).

    python3 benchmarks/images.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABEL = "io.dagseal.test=benchmark"
TEAM = "dag_repos/team_x"
DOCKERFILE = """FROM dagseal/python311:base
COPY wheels/ /
COPY sdk/ /
COPY dags/ /
ENV PYTHONPATH=/opt/dagseal/sdk:/opt/dagseal/site-packages
WORKDIR /opt/dagseal/dags/team_x
LABEL io.dagseal.sandbox.protocol=1
CMD ["python3", "-m", "dagseal.sandbox"]
"""


def sh(*cmd: str, cwd: Path) -> str:
    """Run a command, raising with its output on failure."""
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def timed(*cmd: str, cwd: Path) -> float:
    """Wall seconds of one command."""
    start = time.perf_counter()
    sh(*cmd, cwd=cwd)
    return time.perf_counter() - start


class Checkout:
    """A private copy of the repository with its own Bazel output base."""

    def __init__(self, work: Path) -> None:
        self.path = work / "checkout"
        self.output_base = work / "output_base"
        shutil.copytree(
            ROOT,
            self.path,
            symlinks=True,
            ignore=shutil.ignore_patterns("bazel-*", ".git", "__pycache__", "*.egg-info"),
        )

    def bazel(self, command: str, *args: str) -> float:
        """Time one Bazel command."""
        return timed(
            "bazel", f"--output_base={self.output_base}", command, "--noshow_progress", *args, cwd=self.path
        )

    def digest_map(self) -> dict:
        """The current map."""
        return json.loads((self.path / "bazel-bin/digest_map.json").read_text())["repos"]

    def close(self) -> None:
        """Stop this output base's server."""
        subprocess.run(["bazel", f"--output_base={self.output_base}", "shutdown"], cwd=self.path, check=False)


def docker_build_context(checkout: Checkout, work: Path) -> Path:
    """Unpack our wheels/sdk/dags layers into a context: the same files, built the Dockerfile way."""
    context = work / "context"
    for role, layer in (
        ("wheels", f"{TEAM}/wheels_layer"),
        ("sdk", "runtimes/python311/sdk_layer"),
        ("dags", f"{TEAM}/dags_layer"),
    ):
        with tarfile.open(checkout.path / f"bazel-bin/{layer}.tar.gz") as archive:
            archive.extractall(context / role, filter="tar")
    (context / "Dockerfile").write_text(DOCKERFILE)
    return context


def docker_builds(checkout: Checkout, work: Path, runs: int) -> tuple[list[float], list[str]]:
    """Build the equivalent Dockerfile ``runs`` times without cache: times and image ids."""
    checkout.bazel("run", "//runtimes/python311:load")
    context = docker_build_context(checkout, work)
    times, ids = [], []
    for i in range(runs):
        tag = f"dagseal-benchmark/team_x:{i}"
        times.append(timed("docker", "build", "--no-cache", "--label", LABEL, "-t", tag, ".", cwd=context))
        ids.append(sh("docker", "image", "inspect", "--format", "{{.Id}}", tag, cwd=context).strip())
        time.sleep(1.1)  # the legacy builder stamps seconds: make the clock visible, as in real life
    sh("docker", "rmi", "--force", *[f"dagseal-benchmark/team_x:{i}" for i in range(runs)], cwd=context)
    return times, ids


def start_times(checkout: Checkout, image_id: str, runs: int) -> dict[str, list[float]]:
    """Seconds of ``docker run`` of the team_x image as the sandbox runs it, with and without its .pyc.

    ``-X pycache_prefix`` points the importer away from ``__pycache__``: the same image as if it
    shipped no .pyc (the root is read-only, so nothing is written).
    """
    checkout.bazel("run", "//dag_repos/team_x:load")
    docker_run = ("docker", "run", "--rm", "--network", "none", "--read-only", "--user", "1000")
    commands = {
        "python3 -c pass": ("-c", "pass"),
        "python3 -m dagseal.sandbox --version": ("-m", "dagseal.sandbox", "--version"),
    }
    times: dict[str, list[float]] = {}
    for _ in range(runs):
        for name, args in commands.items():
            for label, extra in (("", ()), (" (.pyc ignored)", ("-X", "pycache_prefix=/nonexistent"))):
                cmd = (*docker_run, "--label", LABEL, image_id, "python3", *extra, *args)
                times.setdefault(name + label, []).append(timed(*cmd, cwd=checkout.path))
    return times


def main() -> None:
    """Run everything and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions for medians")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dagseal-bench-", dir="/root"))
    checkout = Checkout(work)
    try:
        fetch = checkout.bazel("fetch", "//:digest_map")
        cold, cold_ids = [], []
        for _ in range(args.runs):
            checkout.bazel("clean")
            cold.append(checkout.bazel("build", "//:digest_map"))
            cold_ids.append(checkout.digest_map()[TEAM]["image_id"])
        base = checkout.digest_map()
        edits, rewritten = [], []
        dag = checkout.path / TEAM / "etl.py"
        for i in range(args.runs + 2):
            with dag.open("a") as f:
                f.write(f"# benchmark edit {i}\n")
            before = checkout.digest_map()
            edits.append(checkout.bazel("build", "//:digest_map"))
            after = checkout.digest_map()
            rewritten.append(
                sum(
                    b["digest"] != a["digest"]
                    for repo in after
                    for b, a in zip(before[repo]["layers"], after[repo]["layers"], strict=True)
                )
            )
        docker_times, docker_ids = docker_builds(checkout, work, args.runs)
        starts = start_times(checkout, checkout.digest_map()[TEAM]["image_id"], args.runs + 2)
    finally:
        checkout.close()
        subprocess.run(["chmod", "-R", "u+w", str(work)], check=False)
        shutil.rmtree(work, ignore_errors=True)

    print(f"fetch of pinned inputs (apt-get download + pip download): {fetch:.1f} s")
    print(
        f"cold build of all images + digest map, median of {args.runs}: {statistics.median(cold):.1f} s "
        f"(runs: {', '.join(f'{t:.1f}' for t in cold)})"
    )
    print(f"  team_x image id identical across cold builds: {len(set(cold_ids)) == 1} ({cold_ids[0][:19]}…)")
    print(
        f"rebuild after a one-line DAG edit, median of {len(edits)}: {statistics.median(edits):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in edits)})"
    )
    print(f"  layer digests changed per edit (all repos): {sorted(set(rewritten))}")
    print("layer sizes (compressed bytes):")
    for repo, entry in sorted(base.items()):
        sizes = ", ".join(f"{layer['role']} {layer['size']:,}" for layer in entry["layers"])
        print(f"  {repo}: {sizes}; total {sum(layer['size'] for layer in entry['layers']):,}")
    print(
        f"docker build (same files, FROM the same imported base, --no-cache), median of {args.runs}: "
        f"{statistics.median(docker_times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in docker_times)})"
    )
    print(
        f"  docker build image ids: {', '.join(i[:19] + '…' for i in docker_ids)}; "
        f"all identical: {len(set(docker_ids)) == 1}"
    )
    flags = "--rm --network none --read-only --user 1000"
    print(f"team_x container start (docker run {flags}), median of {args.runs + 2}:")
    for name, runs in starts.items():
        print(f"  {name}: {statistics.median(runs):.2f} s (runs: {', '.join(f'{t:.2f}' for t in runs)})")


if __name__ == "__main__":
    main()
