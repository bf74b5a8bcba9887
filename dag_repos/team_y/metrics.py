"""team_y's hourly metrics rollup, written as an Airflow 3 DAG file (it runs unchanged on both):
map over the metrics, summarize them in a task group, branch on the result, template the report."""

from datetime import datetime, timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, Label, TaskGroup, task
from airflow.utils.trigger_rule import TriggerRule

METRICS = ("latency", "errors", "throughput")
ERROR_BUDGET = 100


def log_retry(context: dict) -> None:
    print(f"[team_y] retrying {context['task_id']} in run {context['run_id']}")


with DAG(
    dag_id="team_y.metrics",
    schedule=timedelta(hours=1),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=10),
    default_args={"retries": 1, "retry_delay": timedelta(seconds=1), "on_retry_callback": log_retry},
    tags=["metrics", "team_y"],
    params={"budget": ERROR_BUDGET},
):
    start = BashOperator(
        task_id="check_source", bash_command='test -n "$HOME" && echo "source ok for {{ ds }}"'
    )

    @task
    def metric_names() -> list[str]:
        return list(METRICS)

    @task
    def collect(metric: str) -> dict:
        return {"metric": metric, "value": len(metric) * 10}

    points = collect.expand(metric=metric_names())  # one task instance per metric
    start >> points

    with TaskGroup("summary"):

        @task(trigger_rule=TriggerRule.NONE_FAILED)
        def aggregate(points: list[dict]) -> dict:
            return {point["metric"]: point["value"] for point in points if point}

        summary = aggregate(points)

    @task.branch
    def within_budget(summary: dict, params: dict) -> str:
        return "publish" if summary.get("errors", 0) <= params["budget"] else "page_oncall"

    @task
    def publish(summary: dict) -> str:
        return f"published {len(summary)} metrics"

    report = BashOperator(
        task_id="report",
        bash_command='echo "team_y rollup {{ run_id }} at {{ ts }}: $PUBLISHED"',
        env={"PUBLISHED": "{{ ti.xcom_pull(task_ids='publish') }}"},
    )
    published = publish(summary)
    branch = within_budget(summary)
    branch >> Label("within budget") >> published >> report
    branch >> Label("over budget") >> EmptyOperator(task_id="page_oncall")
