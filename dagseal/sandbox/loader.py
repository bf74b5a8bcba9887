"""Execute a DAG file's source as a throwaway module and collect its DAGs.

Shared by parse, run_task and run_callbacks so all three see the DAG file the same way: same
module name (so CallableRefs and dag_hash do not depend on the request), DAG directory on
``sys.path``, and no module from the DAG directory left behind in ``sys.modules``.
"""

import os
import re
import sys
import types
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from dagseal.sdk import compat
from dagseal.sdk.dag import DAG, collect_dags
from dagseal.sdk.exceptions import DagDefinitionError


def module_name_for(file: str) -> str:
    """Stable, unique-enough module name for a DAG file (relative path), e.g. ``dagseal_dag_1a2b3c4d_etl``:
    two files clash only with the same stem and path checksum. CRC-32, not hashlib, whose OpenSSL
    load a task container would pay on every try for a name."""
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(file))[0])
    return f"dagseal_dag_{zlib.crc32(file.encode()):08x}_{stem}"


def _under(path: str | None, folder: str) -> bool:
    return path is not None and os.path.realpath(path).startswith(folder + os.sep)


@contextmanager
def dag_module_scope(dag_folder: str, file: str) -> Iterator[str]:
    """DAG file directory and DAG folder on sys.path; afterwards drop modules imported from them."""
    folder = os.path.realpath(dag_folder)
    entries = list(dict.fromkeys([os.path.dirname(os.path.join(folder, file)), folder]))
    saved_path = list(sys.path)
    loaded_before = set(sys.modules)
    sys.path[:0] = entries
    name = module_name_for(file)
    try:
        yield name
    finally:
        sys.path[:] = saved_path
        for mod_name in set(sys.modules) - loaded_before:
            module = sys.modules[mod_name]
            locations = [getattr(module, "__file__", None), *list(getattr(module, "__path__", []) or [])]
            if mod_name == name or any(_under(location, folder) for location in locations):
                del sys.modules[mod_name]


def exec_dag_source(source: str, path: str, module_name: str) -> dict[str, DAG]:
    """Run ``source`` (compiled with the real ``path`` for true tracebacks) and return its DAGs by id.

    DAGs are those bound at module top level plus those entered with ``with DAG(...)``;
    two distinct DAG objects with one dag_id are an error. ``airflow.*`` imports are served by the
    compatibility layer unless the image has Airflow itself.
    """
    compat.install()
    code = compile(source, path, "exec", dont_inherit=True)
    module = types.ModuleType(module_name)
    module.__file__ = path
    sys.modules[module_name] = module
    with collect_dags() as entered:
        exec(code, module.__dict__)
    found = [value for value in vars(module).values() if isinstance(value, DAG)] + entered
    dags: dict[str, DAG] = {}
    for dag in found:
        dag.folder = os.path.dirname(path)  # where its template files are looked up
        other = dags.setdefault(dag.dag_id, dag)
        if other is not dag:
            raise DagDefinitionError(f"two DAGs with dag_id {dag.dag_id!r} in one file")
    return dags


def _user_traceback(exc: BaseException, path: str) -> TracebackType | None:
    """The traceback from the first frame in the DAG file on (sandbox frames trimmed)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != path:
        tb = tb.tb_next
    return tb


def _line_in(exc: BaseException, path: str) -> int | None:
    if isinstance(exc, SyntaxError) and exc.filename == path:
        return exc.lineno
    import traceback  # errors only: a task container that succeeds never formats one

    lines = [
        lineno for frame, lineno in traceback.walk_tb(exc.__traceback__) if frame.f_code.co_filename == path
    ]
    return lines[-1] if lines else None


def describe_exception(exc: BaseException, path: str, label: str) -> tuple[str, str]:
    """(one line ``label:line: Type: message``, full stacktrace) for an exception raised by user code."""
    line = _line_in(exc, path)
    text = exc.msg if isinstance(exc, SyntaxError) else str(exc)
    first = (text.strip().splitlines() or [""])[0]
    where = f"{label}:{line}" if line is not None else label
    message = f"{where}: {type(exc).__name__}: {first}" if first else f"{where}: {type(exc).__name__}"
    user_tb = _user_traceback(exc, path)
    shown = exc.with_traceback(user_tb) if user_tb is not None else exc
    import traceback

    return message, "".join(traceback.format_exception(shown))
