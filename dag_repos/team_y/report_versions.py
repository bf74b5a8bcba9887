"""Reports which tabulate version team_y's runtime carries (team_x pins a different one)."""

from datetime import datetime

from dagseal import DAG, task

with DAG(
    dag_id="team_y.report_versions",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    tags=["runtime", "team_y"],
):

    @task
    def tabulate_version() -> str:
        # Imported inside the task: the version comes from the sandbox's image, not from the host.
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = f"tabulate {version('tabulate')}"
        except PackageNotFoundError:
            found = "tabulate absent"
        print(found)
        return found

    tabulate_version()
