"""team_x's warehouse load: transformed rows go to the team's warehouse over the network the
platform allows (see load_warehouse.runtime.yaml), with credentials from the team's ``warehouse``
Connection, fetched through the supervisor. tooling/demo.sh defines both and triggers this DAG.
"""

import base64
import json
import urllib.request
from datetime import datetime

from dagseal import DAG, Connection, get_current_context, task


def _call(method: str, path: str, body: object = None) -> object:
    """One request to the warehouse the ``warehouse`` Connection names (Basic auth)."""
    conn = Connection.get("warehouse")
    auth = base64.b64encode(f"{conn.login}:{conn.password}".encode()).decode()
    request = urllib.request.Request(
        f"http://{conn.host}:{conn.port}/tables/{conn.schema}/{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


with DAG(
    dag_id="team_x.load_warehouse",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    description="Load the day's orders into team_x's warehouse",
    tags=["etl", "team_x", "warehouse"],
) as dag:

    @task
    def transform() -> list[dict]:
        return [
            {"order": 1, "customer": "Ada", "amount": 12.5},
            {"order": 2, "customer": "Brian", "amount": 7.0},
            {"order": 3, "customer": "Ada", "amount": 3.25},
        ]

    @task
    def load(rows: list[dict]) -> dict:
        conn = Connection.get("warehouse")
        # The secrets masker shows *** here, in the log the supervisor writes.
        print(f"loading {len(rows)} rows into {conn.host} as {conn.login}, password {conn.password}")
        result = _call("POST", "rows", rows)
        get_current_context().ti.xcom_push("loaded_at", datetime.now().isoformat(timespec="seconds"))
        return result

    @task
    def verify(loaded: dict) -> int:
        rows = _call("GET", "rows")
        when = get_current_context().ti.xcom_pull(task_ids="load", key="loaded_at")
        print(f"the warehouse holds {len(rows)} rows (this run inserted {loaded['inserted']} at {when})")
        for row in rows:
            print("  ", row)
        return len(rows)

    verify(load(transform()))
