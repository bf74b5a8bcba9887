"""Airflow 3 import paths resolve to dagseal's SDK inside the sandbox, and only there."""

import subprocess
import sys

import pytest

from dagseal.sdk import compat
from dagseal.sdk.compat.modules import MODULES
from tests.integration.compat.sandbox_harness import DagFolder

AIRFLOW_STYLE = """
from datetime import datetime

from airflow.sdk import DAG, task
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.utils.trigger_rule import TriggerRule

with DAG("airflow_style", schedule=None, start_date=datetime(2024, 1, 1)):
    @task
    def hello():
        return "hi"

    hello() >> BashOperator(task_id="b", bash_command="echo x") >> EmptyOperator(
        task_id="end", trigger_rule=TriggerRule.ALL_DONE
    )
"""


def test_an_airflow_style_file_parses_in_the_sandbox(dag_folder: DagFolder) -> None:
    dag_folder.write("af.py", AIRFLOW_STYLE)
    dag = dag_folder.dag("af.py", "airflow_style")
    operators = {task["task_id"]: task["operator"] for task in dag["tasks"]}
    assert operators == {"hello": "PythonOperator", "b": "BashOperator", "end": "EmptyOperator"}


def test_import_dagseal_alone_does_not_install_the_hook() -> None:
    code = "import dagseal, sys\ntry:\n    import airflow\nexcept ImportError:\n    print('absent')\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "absent"


def test_an_uncovered_module_is_an_import_error_naming_it(dag_folder: DagFolder) -> None:
    dag_folder.write(
        "k8s.py", "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n"
    )
    result = dag_folder.parse("k8s.py")
    message = result.import_errors[0].message
    assert message.startswith("k8s.py:1: UncoveredAirflowImport:")
    # The first missing package on the path is named, as Python itself does.
    assert "module 'airflow.providers.cncf' is not provided" in message and "runtime.yaml" in message


def test_an_uncovered_name_in_a_covered_module_is_an_import_error_naming_it(dag_folder: DagFolder) -> None:
    dag_folder.write("alias.py", "from airflow.sdk import AssetAlias\n")
    message = dag_folder.parse("alias.py").import_errors[0].message
    assert "airflow.sdk.AssetAlias is not provided" in message and message.startswith("alias.py:1:")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_mapped_name_resolves(module: str) -> None:
    compat.install()
    imported = __import__(module, fromlist=["*"])
    for name in MODULES[module]:
        assert getattr(imported, name) is not None, f"{module}.{name}"


def test_the_hook_steps_aside_when_airflow_is_really_installed(tmp_path) -> None:
    fake = tmp_path / "airflow"
    fake.mkdir()
    (fake / "__init__.py").write_text("REAL = True\n")
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from dagseal.sdk import compat\n"
        "print(compat.install())\n"
        "import airflow; print(airflow.REAL)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "True"]


def test_sensor_asset_and_timetable_paths_resolve_to_the_scheduling_features(dag_folder: DagFolder) -> None:
    dag_folder.write(
        "s.py",
        """
from datetime import datetime
from airflow.sdk import DAG, Asset, BaseSensorOperator, PokeReturnValue
from airflow.exceptions import AirflowFailException, AirflowSensorTimeout
from airflow.providers.standard.sensors.python import PythonSensor
from airflow.providers.standard.operators.latest_only import LatestOnlyOperator
from airflow.timetables.trigger import CronTriggerTimetable

assert issubclass(AirflowSensorTimeout, AirflowFailException)
with DAG("s", schedule=CronTriggerTimetable("0 1 * * *", timezone="UTC"), start_date=datetime(2024, 1, 1)):
    LatestOnlyOperator(task_id="latest") >> PythonSensor(
        task_id="wait", python_callable=lambda: PokeReturnValue(True), mode="reschedule",
        outlets=[Asset("s3://bucket/x")],
    )
""",
    )
    dag = dag_folder.dag("s.py", "s")
    tasks = {task["task_id"]: task for task in dag["tasks"]}
    assert dag["schedule"]["timetable"] == "trigger"
    assert tasks["latest"]["host_operator"] == {"kind": "latest_only"}
    assert tasks["wait"]["operator"] == "PythonSensor"
    assert tasks["wait"]["outlets"] == [{"name": "s3://bucket/x", "uri": "s3://bucket/x"}]
