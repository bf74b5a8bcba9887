#!/usr/bin/env bash
# Start Docker Engine (Debian's docker.io) in the background if it is not running. Idempotent.
# Containers get no bridge network (--bridge=none --iptables=false): use network none or host.
# Logs: $DAGSEAL_DOCKER_LOG_DIR (default /var/log/dagseal)/dockerd.log.
set -euo pipefail
log_dir="${DAGSEAL_DOCKER_LOG_DIR:-/var/log/dagseal}"
socket="/var/run/docker.sock"
if docker info >/dev/null 2>&1; then
  echo "docker engine already running"
  exit 0
fi
if ! command -v dockerd >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io
fi
mkdir -p "$log_dir"
if ! pgrep -x dockerd >/dev/null 2>&1; then
  nohup dockerd --bridge=none --iptables=false --host "unix://$socket" >>"$log_dir/dockerd.log" 2>&1 &
  echo "$!" >"$log_dir/dockerd.pid"
fi
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "docker engine running (log: $log_dir/dockerd.log)"
    exit 0
  fi
  sleep 1
done
echo "dockerd did not come up within 60 s; see $log_dir/dockerd.log" >&2
exit 1
