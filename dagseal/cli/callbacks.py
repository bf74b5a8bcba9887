"""``dagseal callbacks list`` and ``callbacks enqueue`` (queue a request by hand, for tests and demos)."""

from __future__ import annotations

import argparse

from dagseal.cli.common import open_database
from dagseal.cli.output import print_table
from dagseal.errors import DagsealError

_KINDS = {"TaskCallback": "task_failure", "DagCallback": "dag_failure"}


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("callbacks", help="callback requests waiting for DAG processors")
    commands = group.add_subparsers(dest="callbacks_command", metavar="SUBCOMMAND", required=True)
    listing = commands.add_parser("list", help="queued requests, highest priority first, with their claims")
    listing.add_argument("-S", "--subdir", help="only requests for this processor subdir")
    listing.set_defaults(handler=list_command)

    enqueue = commands.add_parser("enqueue", help="queue one callback request (as the scheduler would)")
    enqueue.add_argument("--type", required=True, choices=sorted(_KINDS), dest="callback_type")
    enqueue.add_argument("--dag-id", required=True)
    enqueue.add_argument("--subdir", required=True, help="the processor subdir that must run it")
    enqueue.add_argument("--task-id", help="required for TaskCallback")
    enqueue.add_argument("--run-id", default="manual__cli")
    enqueue.add_argument("--kind", help="task_failure|task_success|task_retry or dag_failure|dag_success")
    enqueue.add_argument("--file", help="the DAG file (default: the DAG's fileloc in the database)")
    enqueue.add_argument("--priority", type=int, help="higher runs first (default: the sinks' default, 10)")
    enqueue.add_argument("--msg", help="message for the callback and the logs")
    enqueue.set_defaults(handler=enqueue_command)


def list_command(args: argparse.Namespace) -> None:
    from sqlalchemy import select

    from dagseal.db.models import CallbackClaimModel, CallbackRequestModel
    from dagseal.db.session import session_scope

    request, claim = CallbackRequestModel, CallbackClaimModel
    query = (
        select(request, claim.job_id)
        .outerjoin(claim, claim.callback_id == request.id)
        .order_by(request.processor_subdir, request.priority_weight.desc(), request.created_at, request.id)
    )
    if args.subdir is not None:
        query = query.where(request.processor_subdir == args.subdir)
    with session_scope(open_database()) as session:
        rows = [
            (
                row.id,
                row.callback_type.value,
                row.callback_data.get("dag_id"),
                row.callback_data.get("task_id"),
                row.processor_subdir,
                row.priority_weight,
                row.created_at,
                None if job_id is None else f"job {job_id}",
                row.message,
            )
            for row, job_id in session.execute(query)
        ]
    headers = ("ID", "TYPE", "DAG_ID", "TASK_ID", "SUBDIR", "PRIORITY", "CREATED", "CLAIMED BY", "MESSAGE")
    print_table(headers, rows, empty="no callback requests")


def _dag_file(session_factory, dag_id: str) -> str:
    from dagseal.db.models import DagModel
    from dagseal.db.session import session_scope

    with session_scope(session_factory) as session:
        dag = session.get(DagModel, dag_id)
        if dag is None:
            raise DagsealError(f"no DAG {dag_id!r} in the database to take the file from; pass --file")
        return dag.fileloc


def enqueue_command(args: argparse.Namespace) -> None:
    from dagseal.callbacks import DEFAULT_CALLBACK_PRIORITY, add_callback_request
    from dagseal.db.session import session_scope
    from dagseal.serialization.callback_requests import DagCallbackRequest, TaskCallbackRequest
    from dagseal.serialization.errors import SerializationError

    session_factory = open_database()
    common = {
        "full_filepath": args.file or _dag_file(session_factory, args.dag_id),
        "dag_id": args.dag_id,
        "run_id": args.run_id,
        "kind": args.kind or _KINDS[args.callback_type],
        "msg": args.msg,
        "processor_subdir": args.subdir,
    }
    try:
        if args.callback_type == "TaskCallback":
            if not args.task_id:
                raise DagsealError("a TaskCallback needs --task-id")
            request = TaskCallbackRequest(task_id=args.task_id, try_number=1, **common)
        else:
            request = DagCallbackRequest(**common)
        request = type(request).from_json(request.to_json())  # validates kind and fields
    except SerializationError as exc:
        raise DagsealError(f"invalid callback request: {exc}") from exc
    priority = DEFAULT_CALLBACK_PRIORITY if args.priority is None else args.priority
    with session_scope(session_factory) as session:
        add_callback_request(session, request, priority)
    print(f"queued {args.callback_type} for {args.dag_id} in {args.subdir} (priority {priority})")
