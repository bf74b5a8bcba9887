"""Reports which tabulate version team_x's runtime carries (team_y pins a different one)."""

from datetime import datetime

from dagseal import DAG, task

with DAG(
    dag_id="team_x.report_versions",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    tags=["runtime", "team_x"],
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
