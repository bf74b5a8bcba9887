#!/usr/bin/env bash
# Start a local OCI Distribution v2 registry (Debian's docker-registry) on loopback, idempotently.
#
#   DAGSEAL_REGISTRY_ADDR  host:port to listen on            (default 127.0.0.1:5000)
#   DAGSEAL_REGISTRY_DIR   where blobs and state are stored  (default /var/tmp/dagseal-registry)
#
# Prints the registry address on stdout. Any other v2 registry works the same way with dagseal:
# the address is configuration, never hard-coded.
set -euo pipefail

addr="${DAGSEAL_REGISTRY_ADDR:-127.0.0.1:5000}"
dir="${DAGSEAL_REGISTRY_DIR:-/var/tmp/dagseal-registry}"
case "$addr" in
  127.*|localhost:*|\[::1\]:*) ;;
  *) echo "start_registry: refusing to listen on non-loopback address $addr" >&2; exit 2 ;;
esac

if curl -fsS "http://$addr/v2/" >/dev/null 2>&1; then
  echo "$addr"
  exit 0
fi

if ! command -v docker-registry >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-registry >&2
fi

mkdir -p "$dir/data"
cat > "$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $addr
YAML

nohup docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
echo $! >"$dir/registry.pid"

for _ in $(seq 1 100); do
  if curl -fsS "http://$addr/v2/" >/dev/null 2>&1; then
    echo "$addr"
    exit 0
  fi
  sleep 0.1
done
echo "start_registry: registry did not answer on http://$addr/v2/ within 10 s; see $dir/registry.log" >&2
exit 1
