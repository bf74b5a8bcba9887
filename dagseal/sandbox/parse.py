"""The ``parse`` request: read one DAG file, import it, validate and serialize its DAGs."""

import importlib.util
import os

from dagseal.sandbox.loader import dag_module_scope, describe_exception, exec_dag_source
from dagseal.sandbox.protocol import ImportErrorInfo, ParseRequest, ParseResult
from dagseal.sdk.templating import check_template_syntax
from dagseal.serialization.canonical import sha256_hex
from dagseal.serialization.dags import dag_envelope, serialize_dag


def parse_file(request: ParseRequest) -> ParseResult:
    """Every failure (unreadable, not text, import error, SystemExit, invalid DAG) is an import error."""
    path = os.path.join(request.dag_folder, request.file)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return _failed(request, f"{request.file}: cannot read file: {exc.strerror or exc}", "")
    digest = sha256_hex(data)
    try:
        source = importlib.util.decode_source(data)
    except (UnicodeDecodeError, SyntaxError) as exc:
        return _failed(request, f"{request.file}: not valid source text: {exc}", "", digest)
    with dag_module_scope(request.dag_folder, request.file) as module_name:
        try:
            dags = exec_dag_source(source, path, module_name)
            for dag in dags.values():
                for task in dag.tasks:
                    check_template_syntax(task)
            envelopes = [
                dag_envelope(serialize_dag(dag.validate(), fileloc=request.file, source_digest=digest))
                for _, dag in sorted(dags.items())
            ]
        except (Exception, SystemExit) as exc:
            message, stacktrace = describe_exception(exc, path, request.file)
            return _failed(request, message, stacktrace, digest, source)
    return ParseResult(id=request.id, file=request.file, source_digest=digest, source=source, dags=envelopes)


def _failed(
    request: ParseRequest, message: str, stacktrace: str, digest: str | None = None, source: str | None = None
) -> ParseResult:
    error = ImportErrorInfo(filename=request.file, message=message, stacktrace=stacktrace or message)
    return ParseResult(
        id=request.id, file=request.file, source_digest=digest, source=source, import_errors=[error]
    )
