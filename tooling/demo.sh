#!/usr/bin/env bash
# The README's main command: set up a fresh machine, build every team's image with Bazel, publish
# the images to the loopback registry, deploy the published digest map, then run the example DAGs
# of both teams end to end — parsing, tasks and callbacks each inside its team's image — and show
# the runs, their task states and the dependency versions each team's task saw.
#
#   DAGSEAL_RUNTIME=process bash tooling/demo.sh   runs the same DAGs in the process runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tooling/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

runtime="${DAGSEAL_RUNTIME:-docker}"
export DAGSEAL_HOME="$PWD/.dagseal"
export DAGSEAL__CORE__SQL_ALCHEMY_CONN="sqlite:///$DAGSEAL_HOME/dagseal.db"
export DAGSEAL__LOGGING__BASE_LOG_FOLDER="$DAGSEAL_HOME/logs"
export DAGSEAL__CORE__SCHEDULER_DAG_PARSING_RUNTIME="$runtime"
export DAGSEAL__CORE__TASK_EXECUTION_RUNTIME="$runtime"
mkdir -p "$DAGSEAL_HOME"
dagseal db migrate

if [ "$runtime" = docker ]; then
  bazel build //:digest_map
  export DAGSEAL__CORE__DIGEST_MAP="$PWD/bazel-bin/digest_map.json"
  export DAGSEAL__DEPLOY__REGISTRY="$(bash tooling/start_registry.sh)"
  dagseal images publish --out "$DAGSEAL_HOME/published_digest_map.json"
  dagseal deploy "$DAGSEAL_HOME/published_digest_map.json" --created-from "tooling/demo.sh"
fi

dagseal standalone --trigger team_x.etl --trigger team_y.metrics \
  --trigger team_x.report_versions --trigger team_y.report_versions --until-idle

for team in team_x team_y; do
  run_id="$(dagseal runs list --dag "$team.report_versions" | awk 'NR == 3 {print $2}')"
  echo "== $team.report_versions: log of task tabulate_version ($run_id)"
  dagseal tasks logs "$team.report_versions" tabulate_version "$run_id"
done
