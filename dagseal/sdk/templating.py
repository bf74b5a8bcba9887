"""Jinja2 rendering of operators' ``template_fields``, inside the sandbox only (macros are user code).

jinja2 is imported only when a task actually has a template, so plain DAGs start no faster or
slower than before. Environment as Airflow builds it: the DAG file's folder plus
``template_searchpath`` as loader path, StrictUndefined, ``user_defined_macros`` / ``_filters``,
and a native environment for ``render_template_as_native_obj``.
"""

import os
from typing import TYPE_CHECKING, Any

from dagseal.sdk.exceptions import DagDefinitionError, TemplateRenderError

if TYPE_CHECKING:
    import jinja2

    from dagseal.sdk.baseoperator import BaseOperator
    from dagseal.sdk.dag import DAG

_MARKERS = ("{{", "{%", "{#")


def _is_template_file(task: "BaseOperator", value: str) -> bool:
    return bool(task.template_ext) and value.endswith(tuple(task.template_ext))


def _has_template(task: "BaseOperator", value: Any) -> bool:
    if isinstance(value, str):
        return any(marker in value for marker in _MARKERS) or _is_template_file(task, value)
    if isinstance(value, list | tuple | set):
        return any(_has_template(task, item) for item in value)
    if isinstance(value, dict):
        return any(_has_template(task, item) for item in value.values())
    return False


def templated_fields(task: "BaseOperator") -> list[str]:
    """The template fields of ``task`` whose current value contains a template (or names a file)."""
    return [name for name in task.template_fields if _has_template(task, getattr(task, name, None))]


def jinja_environment(dag: "DAG") -> "jinja2.Environment":
    """The DAG's Jinja environment (one per DAG object, cached on it)."""
    cached = getattr(dag, "_jinja_environment", None)
    if cached is not None:
        return cached
    import jinja2
    import jinja2.nativetypes

    folder = getattr(dag, "folder", None)
    searchpath = [folder] if folder else []
    searchpath += [os.path.join(folder or "", path) for path in dag.template_searchpath]
    options: dict[str, Any] = {
        "loader": jinja2.FileSystemLoader(searchpath),
        "undefined": dag.template_undefined or jinja2.StrictUndefined,
        "extensions": ["jinja2.ext.do", "jinja2.ext.loopcontrols"],
        "cache_size": 0,
        **dag.jinja_environment_kwargs,
    }
    kind = jinja2.nativetypes.NativeEnvironment if dag.render_template_as_native_obj else jinja2.Environment
    environment = kind(**options)
    environment.filters.update(
        ds=lambda value: value.strftime("%Y-%m-%d"),
        ds_nodash=lambda value: value.strftime("%Y%m%d"),
        ts=lambda value: value.isoformat(),
        ts_nodash=lambda value: value.strftime("%Y%m%dT%H%M%S"),
    )
    environment.filters.update(dag.user_defined_filters)
    environment.globals.update(dag.user_defined_macros)
    dag._jinja_environment = environment
    return environment


def _template(task: "BaseOperator", environment: "jinja2.Environment", value: str) -> "jinja2.Template":
    if _is_template_file(task, value):
        return environment.get_template(value)
    return environment.from_string(value)


def _check_syntax(task: "BaseOperator", environment: "jinja2.Environment", value: str) -> None:
    """Parse (never compile) one template: parse time only needs its syntax errors, and Jinja's code
    generation and ``compile`` of each template cost more than the rest of a DAG file's parse."""
    if _is_template_file(task, value):
        assert environment.loader is not None  # jinja_environment always sets one
        source, filename, _ = environment.loader.get_source(environment, value)
        environment.parse(source, value, filename)
    else:
        environment.parse(value)


def check_template_syntax(task: "BaseOperator") -> None:
    """Parse every template of ``task`` (parse time): a syntax error names task, field and line."""
    fields = templated_fields(task)
    if not fields:
        return
    import jinja2

    environment = jinja_environment(task.dag)
    for name in fields:
        try:
            _walk(task, getattr(task, name), lambda text: _check_syntax(task, environment, text))
        except jinja2.TemplateSyntaxError as exc:
            where = f"{exc.filename or 'template'} line {exc.lineno}"
            raise DagDefinitionError(
                f"task {task.task_id!r}: Jinja syntax error in template field {name!r} ({where}): "
                f"{exc.message}"
            ) from None
        except jinja2.TemplateNotFound as exc:
            raise DagDefinitionError(
                f"task {task.task_id!r}: template field {name!r}: template file {exc.name!r} not found "
                f"in the DAG folder or template_searchpath"
            ) from None


def _walk(task: "BaseOperator", value: Any, render: Any) -> Any:
    """``value`` with every string rendered by ``render`` (lists, tuples, sets and dict values too)."""
    if isinstance(value, str):
        return render(value) if _has_template(task, value) else value
    if isinstance(value, list | tuple | set):
        return type(value)(_walk(task, item, render) for item in value)
    if isinstance(value, dict):
        return {key: _walk(task, item, render) for key, item in value.items()}
    return value


def render_value(task: "BaseOperator", value: Any, context: Any) -> Any:
    """``value`` with every template in it rendered against ``context`` (``task.render_template``)."""
    environment = jinja_environment(task.dag)
    variables = dict(context)
    return _walk(task, value, lambda text: _template(task, environment, text).render(variables))


def resolve_field_xcoms(task: "BaseOperator", channel: Any) -> None:
    """Template fields holding XComArgs get the upstream values before rendering (as in Airflow)."""
    from dagseal.sdk.xcom import find_xcom_args, resolve_xcom_args

    for name in task.template_fields:
        value = getattr(task, name, None)
        if find_xcom_args(value):
            setattr(task, name, resolve_xcom_args(value, channel))


def render_template_fields(task: "BaseOperator", context: Any) -> dict[str, Any]:
    """Render ``task``'s templated fields in place; returns ``{field: rendered value}`` to record.

    A failure is a TemplateRenderError naming the task and the field.
    """
    rendered: dict[str, Any] = {}
    fields = templated_fields(task)
    if not fields:
        return rendered
    environment = jinja_environment(task.dag)
    variables = dict(context)
    for name in fields:
        try:
            value = _walk(
                task, getattr(task, name), lambda text: _template(task, environment, text).render(variables)
            )
        except Exception as exc:
            raise TemplateRenderError(
                f"task {task.task_id!r}: cannot render template field {name!r}: {type(exc).__name__}: {exc}"
            ) from exc
        setattr(task, name, value)
        rendered[name] = value
    return rendered
