"""``dagseal dag-processor``: the standalone DAG processor for one directory (AIP-43).

``--subdir`` becomes the processor's ``processor_subdir``: its resolved absolute path, so two
spellings of one directory are one processor identity. SIGTERM and Ctrl-C finish the current
step, stop the sandboxes and end the job row; callbacks claimed but not run are freed at once.
"""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dag-processor", help="parse one DAG directory into the DB and run its callbacks"
    )
    parser.add_argument("-S", "--subdir", help="the DAG directory to process (default: [core] dags_folder)")
    parser.add_argument(
        "-n", "--num-runs", type=int, default=0, help="loops to run before exiting (0: forever)"
    )
    parser.add_argument(
        "-P",
        "--parsing-processes",
        type=int,
        default=None,
        help="warm sandboxes parsing in parallel (overrides [scheduler] parsing_processes)",
    )
    parser.set_defaults(handler=dag_processor_command)


def dag_processor_command(args: argparse.Namespace) -> int:
    from dagseal.cli.common import open_database
    from dagseal.config import load_config
    from dagseal.errors import DagsealError
    from dagseal.placement import Placement
    from dagseal.processor import DagProcessorManager

    if args.num_runs < 0:
        raise DagsealError(f"--num-runs must be 0 (forever) or more, got {args.num_runs}")
    if args.parsing_processes == 0:  # negative values get the settings' own "got N" message
        raise DagsealError("--parsing-processes must be at least 1")
    config = load_config()
    subdir = args.subdir or config.get("core", "dags_folder")
    manager = DagProcessorManager.from_config(
        config,
        Placement.from_config(config),
        subdir,
        open_database(config),
        parsing_processes=args.parsing_processes,
    )
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        loops = manager.run(args.num_runs, stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print(f"dag-processor: {loops} loop(s) over {manager.processor_subdir}, job {manager.job_id} ended")
    return 0
