"""``dagseal tasks run | list | logs | test | clear``: task instances and their tries."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from dagseal.cli.output import print_table, short_digest
from dagseal.errors import DagsealError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("tasks", help="task instances and their tries")
    commands = group.add_subparsers(dest="tasks_command", metavar="SUBCOMMAND", required=True)

    run = commands.add_parser("run", help="supervise the queued try of one task instance (host side)")
    _identity(run)
    run.add_argument(
        "--local", action="store_true", help="run the supervisor here (the default and only mode)"
    )
    run.add_argument("--docker", action="store_true", help="run the try in a container (AIP-46)")
    run.set_defaults(handler=run_command)

    listing = commands.add_parser("list", help="task instances of a DAG run")
    listing.add_argument("run_id")
    listing.add_argument("--dag", dest="dag_id", help="the DAG, when several DAGs share the run id")
    listing.set_defaults(handler=list_command)

    logs = commands.add_parser("logs", help="print the log of a task try")
    _identity(logs)
    logs.add_argument("--try", dest="try_number", type=int, help="which try (default: the latest)")
    logs.set_defaults(handler=logs_command)

    render = commands.add_parser("render", help="template fields as a try rendered them")
    _identity(render)
    render.add_argument("--try", dest="try_number", type=int, help="which try (default: the latest)")
    render.set_defaults(handler=render_command)

    test = commands.add_parser("test", help="run one task now: no scheduler, no DB writes")
    test.add_argument("dag_id")
    test.add_argument("task_id")
    test.add_argument("--upstream", type=_json_object, default={}, help='JSON: {"task_id": value}')
    test.add_argument("--conf", type=_json_object, default={}, help="JSON object for the run conf")
    test.set_defaults(handler=test_command)

    clear = commands.add_parser("clear", help="re-run task instances of a DAG run")
    clear.add_argument("dag_id")
    clear.add_argument("run_id")
    clear.add_argument("-t", "--task", dest="task_ids", action="append", help="task to clear (default: all)")
    clear.add_argument("--downstream", action="store_true", help="also clear their downstream tasks")
    clear.set_defaults(handler=clear_command)


def _identity(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dag_id")
    parser.add_argument("task_id")
    parser.add_argument("run_id")
    parser.add_argument(
        "--map-index",
        type=int,
        default=-1,
        help="which task instance of a mapped task (default: -1, unmapped)",
    )


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object")
    return value


def run_command(args: argparse.Namespace) -> int:
    from dagseal.cli.common import open_database
    from dagseal.config import load_config
    from dagseal.executor.settings import SupervisorSettings
    from dagseal.executor.supervisor import supervise
    from dagseal.lifecycle.try_claim import find_task_instance
    from dagseal.placement import Placement

    config = load_config()
    settings = SupervisorSettings.from_config(config, force_docker=args.docker)
    factory = open_database(config)
    ti_id = find_task_instance(factory, args.dag_id, args.task_id, args.run_id, args.map_index)
    placement = Placement(settings.placement)
    try:
        state = supervise(settings, placement, factory, ti_id)
    finally:
        placement.close()
    if state is None:
        raise DagsealError(
            f"{args.dag_id}.{args.task_id} in {args.run_id!r} is not queued; "
            "only a queued try can be started (`dagseal tasks clear` to re-run)"
        )
    print(f"{args.dag_id}.{args.task_id} {args.run_id}: {state}")
    return 0 if state.value in ("success", "skipped") else 1


def print_task_instances(factory: sessionmaker[Session], run_id: str, dag_id: str | None) -> None:
    from sqlalchemy import select

    from dagseal.db.models import TaskInstanceModel
    from dagseal.db.session import session_scope

    query = select(TaskInstanceModel).where(TaskInstanceModel.run_id == run_id)
    if dag_id is not None:
        query = query.where(TaskInstanceModel.dag_id == dag_id)
    with session_scope(factory) as session:
        rows = [
            (
                ti.dag_id,
                ti.task_id,
                ti.map_index if ti.map_index >= 0 else None,
                ti.state or "none",
                ti.try_number,
                None if ti.duration is None else f"{ti.duration:.2f}s",
                ti.hostname,
                ti.exit_code,
                short_digest(ti.image_digest),
                ti.error,
            )
            for ti in session.scalars(
                query.order_by(
                    TaskInstanceModel.dag_id, TaskInstanceModel.task_id, TaskInstanceModel.map_index
                )
            )
        ]
    headers = ("DAG_ID", "TASK_ID", "MAP_INDEX", "STATE", "TRY", "DURATION", "HOST", "EXIT", "IMAGE", "ERROR")
    print_table(headers, rows, empty=f"no task instances in run {run_id!r}")


def list_command(args: argparse.Namespace) -> None:
    from dagseal.cli.common import open_database

    print_task_instances(open_database(), args.run_id, args.dag_id)


def logs_command(args: argparse.Namespace) -> None:
    import sys

    from sqlalchemy import select

    from dagseal.cli.common import open_database
    from dagseal.config import load_config
    from dagseal.db.models import TaskInstanceModel
    from dagseal.db.session import session_scope
    from dagseal.lifecycle.try_claim import try_log_path

    config = load_config()
    with session_scope(open_database(config)) as session:
        latest, hostname = session.execute(
            select(TaskInstanceModel.try_number, TaskInstanceModel.hostname).where(
                TaskInstanceModel.dag_id == args.dag_id,
                TaskInstanceModel.task_id == args.task_id,
                TaskInstanceModel.run_id == args.run_id,
                TaskInstanceModel.map_index == args.map_index,
            )
        ).one_or_none() or (None, None)
    if latest is None:
        raise DagsealError(f"no task instance {args.dag_id}.{args.task_id} in run {args.run_id!r}")
    number = args.try_number or latest
    if number < 1 or number > max(latest, 0):
        raise DagsealError(f"{args.dag_id}.{args.task_id} has tries 1..{latest}, not {number}")
    folder = config.get("logging", "base_log_folder")
    path = try_log_path(folder, args.dag_id, args.run_id, args.task_id, number, args.map_index)
    if path.is_file():
        sys.stdout.write(path.read_text(errors="replace"))
    elif hostname:  # it ran on another host (a Celery worker): ask that worker's log server
        from dagseal.executor.serve_logs import LogServerSettings, fetch

        sys.stdout.write(
            fetch(LogServerSettings.from_config(config), hostname, str(path.relative_to(folder)))
        )
    else:
        raise DagsealError(f"no log for try {number} at {path}")


def render_command(args: argparse.Namespace) -> None:
    from sqlalchemy import select

    from dagseal.cli.common import open_database
    from dagseal.config import load_config
    from dagseal.db.models import TaskInstanceModel
    from dagseal.db.rendered_fields import rendered_fields_of
    from dagseal.db.session import session_scope

    with session_scope(open_database(load_config())) as session:
        row = session.execute(
            select(TaskInstanceModel.id, TaskInstanceModel.try_number).where(
                TaskInstanceModel.dag_id == args.dag_id,
                TaskInstanceModel.task_id == args.task_id,
                TaskInstanceModel.run_id == args.run_id,
                TaskInstanceModel.map_index == args.map_index,
            )
        ).first()
        if row is None:
            raise DagsealError(f"no task instance {args.dag_id}.{args.task_id} in run {args.run_id!r}")
        number = args.try_number or row.try_number
        if number < 1 or number > row.try_number:
            raise DagsealError(f"{args.dag_id}.{args.task_id} has tries 1..{row.try_number}, not {number}")
        fields = rendered_fields_of(session, row.id, number)
    if fields is None:
        raise DagsealError(f"try {number} of {args.dag_id}.{args.task_id} rendered no template fields")
    for name, value in fields.items():
        shown = value if isinstance(value, str) else json.dumps(value, indent=2, sort_keys=True)
        print(f"# {name}\n{shown}\n")


def test_command(args: argparse.Namespace) -> int:
    import sys

    from dagseal.cli.common import open_database
    from dagseal.config import load_config
    from dagseal.executor.dry_run import dry_run
    from dagseal.placement import Placement

    config = load_config()
    outcome = dry_run(
        open_database(config),
        Placement.from_config(config),
        args.dag_id,
        args.task_id,
        sys.stdout.buffer,
        upstream_results=args.upstream,
        conf=args.conf,
    )
    sys.stdout.flush()
    summary = f"{outcome.state} in {outcome.duration:.2f}s, exit code {outcome.exit_code}"
    print(f"\n{args.dag_id}.{args.task_id}: {summary}")
    if outcome.return_value is not None:
        print(f"return value: {json.dumps(outcome.return_value)}")
    if outcome.error:
        print(f"error: {outcome.error}")
    return 0 if outcome.state in ("success", "skipped") else 1


def clear_command(args: argparse.Namespace) -> None:
    from dagseal.cli.common import open_database
    from dagseal.db.session import session_scope
    from dagseal.scheduler.clearing import clear_tasks

    with session_scope(open_database()) as session:
        cleared = clear_tasks(session, args.dag_id, args.run_id, args.task_ids, args.downstream)
    print(f"cleared {len(cleared)} task instance(s) of {args.dag_id} {args.run_id}: {', '.join(cleared)}")
