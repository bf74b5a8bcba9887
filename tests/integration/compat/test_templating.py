"""Jinja2 template fields are rendered in the sandbox, recorded in the task result, and checked at parse."""

from tests.integration.compat.sandbox_harness import DagFolder

HEADER = """
from datetime import datetime
from airflow.sdk import DAG
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
"""


def test_bash_command_and_env_are_rendered_and_recorded(dag_folder: DagFolder) -> None:
    dag_folder.write(
        "t.py",
        HEADER
        + """
with DAG("t", schedule=None, start_date=datetime(2024, 1, 1), params={"who": "team"}):
    BashOperator(
        task_id="b",
        bash_command='echo "{{ ds }} {{ params.who }} $X {{ macros.ds_add(ds, 1) }}"',
        env={"X": "{{ ds_nodash }}"},
    )
""",
    )
    result = dag_folder.run("t.py", "t", "b", params={"who": "team"})
    assert result.state == "success", result.error
    assert result.return_value == "2024-01-02 team 20240102 2024-01-03"
    assert result.rendered_fields == {
        "bash_command": 'echo "2024-01-02 team $X 2024-01-03"',
        "env": {"X": "20240102"},
    }


def test_template_ext_files_are_found_in_the_dag_folder_and_searchpath(dag_folder: DagFolder) -> None:
    dag_folder.write("scripts/hello.sh", "echo file {{ run_id }} {{ shout('x') }}\n")
    dag_folder.write("sql/q.sql", "select '{{ ds }}'\n")
    dag_folder.write(
        "t.py",
        HEADER
        + """
class Query(BashOperator):
    template_fields = ("sql",)
    template_ext = (".sql",)

    def __init__(self, *, sql, **kwargs):
        super().__init__(bash_command="true", **kwargs)
        self.sql = sql

    def execute(self, context):
        return self.sql.strip()


with DAG("t", schedule=None, start_date=datetime(2024, 1, 1), template_searchpath=["sql"],
         user_defined_macros={"shout": lambda s: s.upper()}):
    BashOperator(task_id="b", bash_command="scripts/hello.sh")
    Query(task_id="q", sql="q.sql")
""",
    )
    assert dag_folder.run("t.py", "t", "b").return_value == "file manual__2024-01-02T03:04:05+00:00 X"
    assert dag_folder.run("t.py", "t", "q").return_value == "select '2024-01-02'"


def test_native_rendering_and_user_filters(dag_folder: DagFolder) -> None:
    dag_folder.write(
        "t.py",
        HEADER
        + """
def add(numbers, total):
    return sum(numbers) + total

with DAG("t", schedule=None, start_date=datetime(2024, 1, 1), render_template_as_native_obj=True,
         user_defined_filters={"twice": lambda v: v * 2}):
    PythonOperator(task_id="p", python_callable=add, op_args=["{{ [1, 2] }}"],
                   op_kwargs={"total": "{{ 10 | twice }}"})
""",
    )
    result = dag_folder.run("t.py", "t", "p")
    assert result.state == "success", result.error
    assert result.return_value == 23
    assert result.rendered_fields == {"op_args": [[1, 2]], "op_kwargs": {"total": 20}}


def test_templates_dict_reaches_the_callable(dag_folder: DagFolder) -> None:
    dag_folder.write(
        "t.py",
        HEADER
        + """
def show(templates_dict, ds):
    return templates_dict["day"] + "/" + ds

with DAG("t", schedule=None, start_date=datetime(2024, 1, 1)):
    PythonOperator(task_id="p", python_callable=show, templates_dict={"day": "{{ ds_nodash }}"})
""",
    )
    assert dag_folder.run("t.py", "t", "p").return_value == "20240102/2024-01-02"


def test_a_jinja_syntax_error_is_an_import_error_with_task_field_and_line(dag_folder: DagFolder) -> None:
    dag_folder.write(
        "t.py",
        HEADER
        + """
with DAG("t", schedule=None, start_date=datetime(2024, 1, 1)):
    BashOperator(task_id="b", bash_command="echo ok\\necho {{ ds ")
""",
    )
    message = dag_folder.parse("t.py").import_errors[0].message
    assert message.startswith("t.py: DagDefinitionError: task 'b': Jinja syntax error in template field")
    assert "'bash_command' (template line 2)" in message


def test_a_missing_template_file_is_an_import_error(dag_folder: DagFolder) -> None:
    dag_folder.write(
        "t.py",
        HEADER
        + """
with DAG("t", schedule=None, start_date=datetime(2024, 1, 1)):
    BashOperator(task_id="b", bash_command="missing.sh")
""",
    )
    message = dag_folder.parse("t.py").import_errors[0].message
    assert "template file 'missing.sh' not found" in message


def test_a_runtime_template_failure_fails_the_try_naming_the_field(dag_folder: DagFolder) -> None:
    dag_folder.write(
        "t.py",
        HEADER
        + """
with DAG("t", schedule=None, start_date=datetime(2024, 1, 1)):
    BashOperator(task_id="b", bash_command="echo {{ no_such_key }}")
""",
    )
    result = dag_folder.run("t.py", "t", "b")
    assert result.state == "failed"
    assert "cannot render template field 'bash_command'" in (result.error or "")
    assert "no_such_key" in (result.error or "")


def test_plain_tasks_do_not_import_jinja(dag_folder: DagFolder) -> None:
    import subprocess
    import sys

    dag_folder.write(
        "t.py",
        HEADER
        + """
with DAG("t", schedule=None, start_date=datetime(2024, 1, 1)):
    BashOperator(task_id="b", bash_command="echo plain")
""",
    )
    code = (
        "import sys\n"
        "from tests.integration.compat.sandbox_harness import DagFolder\n"
        "from pathlib import Path\n"
        "folder = DagFolder(Path(sys.argv[1]))\n"
        "assert not folder.parse('t.py').import_errors\n"
        "assert folder.run('t.py', 't', 'b').state == 'success'\n"
        "print('jinja2' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(dag_folder.root)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "False"
