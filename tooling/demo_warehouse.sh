#!/usr/bin/env bash
# For tooling/demo.sh: team_x's stand-in warehouse on an --internal Docker network, and team_x's
# `warehouse` Connection to it (password generated here, stored Fernet-encrypted in the metadata DB).
#
# The network is internal (no route out) and its bridge has no host address (inhibit_ipv4), so a
# task on it reaches the warehouse and nothing of the host: not the metadata DB, not the registry.
# The warehouse image is tooling/warehouse on team_x's own image (no downloads).
# Needs: DAGSEAL__CORE__FERNET_KEY and the metadata DB settings exported; Bazel and the engine.
set -euo pipefail
cd "$(dirname "$0")/.."

network=dagseal-warehouse
name=dagseal-warehouse
echo "== the stand-in warehouse: container $name on internal network $network"
docker rm -f "$name" >/dev/null 2>&1 || true
docker network rm "$network" >/dev/null 2>&1 || true
docker network create --internal -o com.docker.network.bridge.inhibit_ipv4=true "$network" >/dev/null
bazel run --noshow_progress //dag_repos/team_x:load >/dev/null
docker build -q --network none --build-arg BASE=dagseal/team_x:latest -t dagseal/warehouse:demo \
  tooling/warehouse >/dev/null
password="$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
docker run -d --name "$name" --network "$network" --tmpfs /tmp -e WAREHOUSE_USER=loader -e WAREHOUSE_PASSWORD="$password" \
  dagseal/warehouse:demo --port 8080 --data /tmp/rows.jsonl >/dev/null
dagseal connections add warehouse --team team_x \
  --conn-uri "http://loader:${password}@${name}:8080/orders"
dagseal connections list --all-teams
