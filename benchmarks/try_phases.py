"""Where a container try's time and host CPU go: timed wrappers around one DockerEngine object and
the protocol steps, in the benchmark process only (the runtime itself is not changed).

Host CPU is read from outside: this process (``time.process_time``), the engine daemons
(``/proc/<pid>/stat`` of dockerd and containerd) and every container (the ``docker`` cgroup's
cpuacct, which keeps what removed containers used). Other users of the same engine add to the
last two, so the figures are for a machine that is otherwise quiet.
"""

from __future__ import annotations

import functools
import os
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagseal.runtime.channel import ProtocolChannel
from dagseal.runtime.docker import DockerRuntime

ENGINE_DAEMONS = ("dockerd", "containerd")
CONTAINER_CPU = (
    (Path("/sys/fs/cgroup/cpuacct/docker/cpuacct.usage"), 1e-9),  # cgroup v1, cgroupfs driver
    (Path("/sys/fs/cgroup/docker/cpu.stat"), 1e-6),  # cgroup v2, cgroupfs driver: usage_usec
)
ENGINE_CALLS = ("inspect_image", "remove", "create", "attach", "start", "wait", "inspect", "kill")
CONTAINER_ID = re.compile(r"[0-9a-f]{64}")
TICK = os.sysconf("SC_CLK_TCK")
# run_task returns the outcome and leaves the container's removal to a thread (settle() waits for
# it): that phase is outside "whole try (run_task)".
AFTER_OUTCOME = "remove, after the outcome"


def _daemon_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() in ENGINE_DAEMONS:
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def _process_cpu(pid: int) -> float:
    """utime + stime of one process (seconds); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _containers_cpu() -> float:
    for path, scale in CONTAINER_CPU:
        try:
            text = path.read_text()
        except OSError:
            continue
        value = text.split()[1] if text.startswith("usage_usec") else text.split()[0]
        return int(value) * scale
    return 0.0


class HostCpu:
    """Cumulative CPU seconds: (this process, engine daemons, all containers)."""

    def __init__(self) -> None:
        self.daemons = _daemon_pids()

    def sample(self) -> tuple[float, float, float]:
        return (
            time.process_time(),
            sum(_process_cpu(pid) for pid in self.daemons),
            _containers_cpu(),
        )

    @staticmethod
    def since(before: tuple[float, float, float], after: tuple[float, float, float]) -> list[float]:
        return [b - a for a, b in zip(before, after, strict=True)]


def _engine_label(name: str, args: tuple[Any, ...]) -> str:
    if name == "remove":  # by name after a create found a leftover; by id once the outcome is known
        return AFTER_OUTCOME if CONTAINER_ID.fullmatch(str(args[0])) else "remove leftover by name"
    return f"engine {name}"


class PhaseClock:
    """Sums, per phase, the calls, wall seconds and host CPU seconds (this process, engine, containers)."""

    def __init__(self, cpu: HostCpu) -> None:
        self.cpu = cpu
        self.totals: dict[str, list[float]] = defaultdict(lambda: [0.0] * 5)

    def timed(self, label: Callable[[tuple[Any, ...]], str], call: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(call)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            before, started = self.cpu.sample(), time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                wall = time.perf_counter() - started
                row = self.totals[label(args)]
                for i, value in enumerate([1.0, wall, *HostCpu.since(before, self.cpu.sample())]):
                    row[i] += value

        return wrapper

    @contextmanager
    def installed(self, runtime: DockerRuntime) -> Iterator[None]:
        """Time `runtime`'s engine calls, the protocol's hello and task steps, and the whole run_task."""
        engine = runtime.engine
        for name in ENGINE_CALLS:
            setattr(engine, name, self.timed(functools.partial(_engine_label, name), getattr(engine, name)))
        runtime.run_task = self.timed(lambda _args: "whole try (run_task)", runtime.run_task)  # type: ignore[method-assign]
        steps = {"check_hello": "sandbox imports + hello", "receive_answering": "run_task -> result"}
        originals = {name: getattr(ProtocolChannel, name) for name in steps}
        for name, label in steps.items():
            setattr(ProtocolChannel, name, self.timed(lambda _args, label=label: label, originals[name]))
        try:
            yield
        finally:
            for name, original in originals.items():
                setattr(ProtocolChannel, name, original)
            for name in ENGINE_CALLS:
                vars(engine).pop(name, None)
            vars(runtime).pop("run_task", None)

    def print(self, tries: int) -> None:
        """One line per phase, per try, in the order first seen; `other` is the rest of run_task."""
        print(f"per-phase breakdown of one no-op task try (mean of {tries} tries in sequence), per try:")
        print(f"  {'phase':<32} {'calls':>5} {'wall ms':>8} {'own CPU':>8} {'engine':>8} {'contnrs':>8}")
        whole = self.totals.get("whole try (run_task)", [0.0] * 5)
        outside = ("whole try (run_task)", AFTER_OUTCOME)
        parts = [row for label, row in self.totals.items() if label not in outside]
        rest = [w - sum(row[i] for row in parts) for i, w in enumerate(whole)]
        for label, row in [*self.totals.items(), ("other (runtime's own Python)", [0.0, *rest[1:]])]:
            print(
                f"  {label:<32} {row[0] / tries:5.1f} {row[1] * 1000 / tries:8.1f}"
                + "".join(f" {value * 1000 / tries:8.1f}" for value in row[2:])
            )
