#!/usr/bin/env bash
# The README's main command: set up a fresh machine, build every team's image with Bazel, publish
# the images to the loopback registry, deploy the published digest map, then run the example DAGs
# of both teams end to end — parsing, tasks and callbacks each inside its team's image, pulled by
# digest on first use — and show the runs, their task states and images, and the tabulate version
# each team's task saw (team_x pins 0.8.10, team_y 0.9.0: the same package side by side); then
# keep running with the web UI on 127.0.0.1:8080 (login admin, its password printed once).
#
#   DAGSEAL_RUNTIME=process bash tooling/demo.sh   runs the same DAGs in the process runtime.
#
# Every run starts from an empty demo database (.dagseal/dagseal.db), so what it prints is its own.
set -euo pipefail
cd "$(dirname "$0")/.."

runtime="${DAGSEAL_RUNTIME:-docker}"
case "$runtime" in
  docker | process) ;;
  *) echo "demo: DAGSEAL_RUNTIME must be docker or process, not '$runtime'" >&2; exit 2 ;;
esac

bash tooling/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

unset DAGSEAL_CONFIG
export DAGSEAL_HOME="$PWD/.dagseal"
export DAGSEAL__CORE__SQL_ALCHEMY_CONN="sqlite:///$DAGSEAL_HOME/dagseal.db"
export DAGSEAL__CORE__DAGS_FOLDER="$PWD/dag_repos"
export DAGSEAL__LOGGING__BASE_LOG_FOLDER="$DAGSEAL_HOME/logs"
export DAGSEAL__CORE__SCHEDULER_DAG_PARSING_RUNTIME="$runtime"
export DAGSEAL__CORE__TASK_EXECUTION_RUNTIME="$runtime"
mkdir -p "$DAGSEAL_HOME"
rm -rf "$DAGSEAL__LOGGING__BASE_LOG_FOLDER"
dagseal db reset --yes

if [ "$runtime" = docker ]; then
  echo "== build every team's image: bazel build //:digest_map"
  bazel build --noshow_progress //:digest_map
  export DAGSEAL__CORE__DIGEST_MAP="$PWD/bazel-bin/digest_map.json"
  DAGSEAL__DEPLOY__REGISTRY="$(bash tooling/start_registry.sh)"
  export DAGSEAL__DEPLOY__REGISTRY
  echo "== publish by digest to $DAGSEAL__DEPLOY__REGISTRY, then deploy"
  dagseal images publish --out "$DAGSEAL_HOME/published_digest_map.json"
  dagseal deploy "$DAGSEAL_HOME/published_digest_map.json" --created-from "tooling/demo.sh"
fi

export DAGSEAL__CORE__FERNET_KEY="${DAGSEAL__CORE__FERNET_KEY:-$(dagseal rotate-fernet-key --generate)}"
warehouse_dags=()
if [ "$runtime" = docker ]; then
  bash tooling/demo_warehouse.sh
  export DAGSEAL__DOCKER_RUNTIME__ALLOWED_NETWORKS=dagseal-warehouse
  warehouse_dags=(--trigger team_x.load_warehouse)
fi

echo "== run both teams' example DAGs ($runtime runtime): dagseal standalone --until-idle"
dagseal standalone --until-idle \
  --trigger team_x.etl --trigger team_y.metrics \
  --trigger team_x.report_versions --trigger team_y.report_versions "${warehouse_dags[@]}"

for team in team_x team_y; do
  dag_id="$team.report_versions"
  run_id="$(dagseal runs list --dag "$dag_id" --format ids | head -n 1)"
  echo
  echo "== $dag_id run $run_id: log of task tabulate_version"
  dagseal tasks logs "$dag_id" tabulate_version "$run_id"
done

echo
echo "== what the DAG processors stored: dagseal dags list"
dagseal dags list
dagseal import-errors list

if [ "$runtime" = docker ]; then
  run_id="$(dagseal runs list --dag team_x.load_warehouse --format ids | head -n 1)"
  echo
  echo "== team_x.load_warehouse run $run_id: log of task load (the password is masked)"
  dagseal tasks logs team_x.load_warehouse load "$run_id"
  echo
  echo "== log of task verify: the rows the warehouse holds"
  dagseal tasks logs team_x.load_warehouse verify "$run_id"
  echo
  echo "== the rows, read inside the warehouse container"
  docker exec dagseal-warehouse python3 -c 'print(open("/tmp/rows.jsonl").read(), end="")'
fi

# The same database in the web UI: `dagseal standalone` keeps scheduling and serves the UI and the
# REST API on [api] host:port (127.0.0.1:8080), printing where to open it and the admin's password.
# DAGSEAL_DEMO_UI=0 ends the demo here instead.
if [ "${DAGSEAL_DEMO_UI:-1}" != 0 ]; then
  export DAGSEAL__API__PORT="${DAGSEAL__API__PORT:-8080}"
  echo
  echo "== the web UI and REST API: dagseal standalone --api-server (Ctrl-C stops it)"
  echo "   open http://127.0.0.1:$DAGSEAL__API__PORT/ in a browser on this machine; both teams' DAGs and images are there"
  exec dagseal standalone --api-server
fi
