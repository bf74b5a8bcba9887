"""team_y's hourly metrics rollup: fan out per metric, aggregate, publish only if nothing failed."""

from datetime import datetime, timedelta

from dagseal import DAG, BashOperator, PythonOperator, TriggerRule, chain, task

METRICS = ("latency", "errors", "throughput")


def log_retry(context: dict) -> None:
    print(f"[team_y] retrying {context['task_id']} in run {context['run_id']}")


def collect(metric: str) -> dict:
    return {"metric": metric, "value": len(metric) * 10}


with DAG(
    dag_id="team_y.metrics",
    schedule=timedelta(hours=1),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=10),
    default_args={"retries": 1, "retry_delay": timedelta(seconds=1), "on_retry_callback": log_retry},
    tags=["metrics", "team_y"],
) as dag:
    start = BashOperator(task_id="check_source", bash_command='test -n "$HOME" && echo source ok')
    collected = [
        PythonOperator(task_id=f"collect_{metric}", python_callable=collect, op_args=[metric])
        for metric in METRICS
    ]

    @task(trigger_rule=TriggerRule.NONE_FAILED)
    def aggregate(*points: dict) -> dict:
        return {point["metric"]: point["value"] for point in points if point}

    @task(trigger_rule=TriggerRule.ALL_SUCCESS)
    def publish(summary: dict) -> str:
        return f"published {len(summary)} metrics"

    summary = aggregate(*[operator.output for operator in collected])
    chain(start, collected)
    publish(summary)
