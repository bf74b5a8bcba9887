"""Airflow 3 DAG files run unchanged: ``airflow.sdk`` & co. served from dagseal's SDK, in the sandbox only."""

from dagseal.sdk.compat.finder import UncoveredAirflowImport, install, uninstall

__all__ = ["UncoveredAirflowImport", "install", "uninstall"]
