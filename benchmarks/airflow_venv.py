"""The throwaway Airflow virtualenv that the side-by-side benchmarks (``parse.py``'s DAG processors,
``airflow_api.py``'s API server) run Airflow from: one version, one install, so one directory
serves both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

AIRFLOW_VERSION = "3.3.2"
# psycopg2 for airflow_api.py's PostgreSQL database (parse.py's SQLite needs nothing more)
PACKAGES = (f"apache-airflow=={AIRFLOW_VERSION}", "psycopg2-binary")


def airflow_python(venv: Path) -> Path:
    """The Python of the virtualenv in ``venv``, created and filled (pip install) when missing."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PACKAGES], check=True)
    return python
