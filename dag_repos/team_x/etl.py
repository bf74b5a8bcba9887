"""team_x's daily ETL: extract two sources in parallel, transform, load, then report and clean up."""

import sys
from datetime import datetime, timedelta

from dagseal import DAG, BashOperator, EmptyOperator, TriggerRule, get_current_context, task


def notify_team(context: dict) -> None:
    """Failure callback: runs in team_x's sandbox, so it could use team_x's own alerting client."""
    print(
        f"[team_x] {context['dag_id']} run {context['run_id']} failed: {context['reason']}", file=sys.stderr
    )


with DAG(
    dag_id="team_x.etl",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    description="Extract orders and customers, join them, load the result",
    default_args={"retries": 2, "retry_delay": timedelta(seconds=1)},
    on_failure_callback=notify_team,
    tags=["etl", "team_x"],
    params={"region": "eu"},
) as dag:

    @task
    def extract_orders() -> list[dict]:
        region = get_current_context().params.get("region", "eu")
        return [
            {"order": 1, "customer": "a", "region": region},
            {"order": 2, "customer": "b", "region": region},
        ]

    @task
    def extract_customers() -> dict:
        return {"a": "Ada", "b": "Brian"}

    @task(execution_timeout=timedelta(minutes=1), on_failure_callback=notify_team)
    def transform(orders: list[dict], customers: dict) -> list[dict]:
        return [{**order, "name": customers[order["customer"]]} for order in orders]

    @task(retries=1)
    def load(rows: list[dict]) -> dict:
        print(f"loading {len(rows)} rows", file=sys.stderr)
        return {"rows": len(rows)}

    report = BashOperator(task_id="report", bash_command='echo "team_x.etl loaded rows on $(date -u +%F)"')
    cleanup = EmptyOperator(task_id="cleanup", trigger_rule=TriggerRule.ALL_DONE)

    loaded = load(transform(extract_orders(), extract_customers()))
    loaded >> [report, cleanup]
