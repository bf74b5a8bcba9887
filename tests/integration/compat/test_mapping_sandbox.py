"""Dynamic task mapping, sandbox side: serialized expand input and one element per map index."""

import pytest

from tests.integration.compat.sandbox_harness import DagFolder

SOURCE = """
from datetime import datetime
from airflow.sdk import DAG, task
from airflow.providers.standard.operators.bash import BashOperator

with DAG("m", schedule=None, start_date=datetime(2024, 1, 1)):
    @task
    def numbers():
        return [1, 2, 3]

    @task
    def add(x, y, base=0):
        return base + x + y

    added = add.partial(base=100).expand(x=numbers(), y=[10, 20])

    @task
    def total(values):
        return sum(values)

    total(added)
    BashOperator.partial(task_id="echo", env={"A": "a"}).expand(bash_command=["echo one", "echo {{ ds }}"])
    rows = [{"bash_command": "echo r0"}, {"bash_command": "echo r1"}]
    BashOperator.partial(task_id="rows").expand_kwargs(rows)
"""


def test_mapped_tasks_are_serialized_with_their_expand_input(dag_folder: DagFolder) -> None:
    dag_folder.write("m.py", SOURCE)
    tasks = {task["task_id"]: task for task in dag_folder.dag("m.py", "m")["tasks"]}
    assert tasks["add"]["expand_input"] == {
        "kind": "expand",
        "value": {"x": {"__xcom__": "numbers"}, "y": [10, 20]},
    }
    assert tasks["add"]["operator"] == "PythonOperator" and tasks["add"]["upstream_task_ids"] == ["numbers"]
    assert tasks["total"]["upstream_task_ids"] == ["add"] and tasks["total"]["expand_input"] is None
    assert tasks["rows"]["expand_input"]["kind"] == "expand_kwargs"


@pytest.mark.parametrize(("map_index", "expected"), [(0, 111), (1, 121), (3, 122), (5, 123)])
def test_each_map_index_gets_its_element_of_the_cross_product(
    dag_folder: DagFolder, map_index: int, expected: int
) -> None:
    dag_folder.write("m.py", SOURCE)
    result = dag_folder.run("m.py", "m", "add", map_index=map_index, upstream_results={"numbers": [1, 2, 3]})
    assert (result.state, result.return_value) == ("success", expected), result.error


def test_a_downstream_gets_the_mapped_values_in_map_order(dag_folder: DagFolder) -> None:
    dag_folder.write("m.py", SOURCE)
    result = dag_folder.run("m.py", "m", "total", upstream_results={"add": [111, 121, 112]})
    assert result.return_value == 344


def test_classic_operators_map_and_render_per_index(dag_folder: DagFolder) -> None:
    dag_folder.write("m.py", SOURCE)
    result = dag_folder.run("m.py", "m", "echo", map_index=1)
    assert (result.return_value, result.rendered_fields) == (
        "2024-01-02",
        {"bash_command": "echo 2024-01-02"},
    )
    assert dag_folder.run("m.py", "m", "rows", map_index=1).return_value == "r1"


def test_expanding_a_non_list_fails_naming_the_upstream(dag_folder: DagFolder) -> None:
    dag_folder.write("m.py", SOURCE)
    result = dag_folder.run("m.py", "m", "add", map_index=0, upstream_results={"numbers": 7})
    assert result.state == "failed"
    assert "cannot expand 'x': upstream task 'numbers' gave int 7, need a list or a dict" in (
        result.error or ""
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("add.partial(x=1).expand(x=[1])", "@task 'add': x given to both partial() and expand()"),
        ("add.expand(z=[1])", "@task 'add': got an unexpected keyword argument 'z'"),
        (
            "BashOperator.partial(task_id='b').expand(colour=['red'])",
            "task 'b': BashOperator has no argument 'colour'",
        ),
    ],
)
def test_bad_mapping_arguments_are_import_errors(dag_folder: DagFolder, line: str, message: str) -> None:
    dag_folder.write("m.py", SOURCE + "    " + line + "\n")
    assert message in dag_folder.parse("m.py").import_errors[0].message


GROUP_SOURCE = """
from datetime import datetime
from airflow.sdk import DAG, task, task_group

with DAG("g", schedule=None, start_date=datetime(2024, 1, 1)):
    @task_group
    def op(num):
        @task
        def add_1(num):
            return num + 1

        @task
        def mul_2(num):
            return num * 2

        return mul_2(add_1(num))

    @task
    def collect(values):
        return values

    collect(op.expand(num=[1, 2, 3]))
"""


def test_a_mapped_task_group_maps_every_task_and_pairs_indexes(dag_folder: DagFolder) -> None:
    dag_folder.write("g.py", GROUP_SOURCE)
    tasks = {task["task_id"]: task for task in dag_folder.dag("g.py", "g")["tasks"]}
    assert tasks["op.add_1"]["expand_input"] == {"kind": "expand", "value": {"num": [1, 2, 3]}}
    assert tasks["op.mul_2"]["upstream_task_ids"] == ["op.add_1"]
    assert dag_folder.run("g.py", "g", "op.add_1", map_index=2).return_value == 4
    result = dag_folder.run("g.py", "g", "op.mul_2", map_index=1, upstream_results={"op.add_1": [2, 3, 4]})
    assert result.return_value == 6  # add_1 at the same index, not the whole list
    assert dag_folder.run("g.py", "g", "collect", upstream_results={"op.mul_2": [4, 6, 8]}).return_value == [
        4,
        6,
        8,
    ]
