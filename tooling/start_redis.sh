#!/usr/bin/env bash
# Start (or reuse) a Redis server for the CeleryExecutor's broker and print its broker URL.
#
#   DAGSEAL_REDIS_PORT      port on 127.0.0.1                      (default 6380)
#   DAGSEAL_REDIS_DIR       config, pidfile, log and data          (default /var/tmp/dagseal-redis-$PORT)
#   DAGSEAL_REDIS_PASSWORD  the `requirepass` password             (default dagseal)
#
# Idempotent: installs Debian's redis-server when missing (it does not start by itself), and starts
# one instance per port, on loopback only, with a password and its own pidfile and directory. The
# URL (redis://:PASSWORD@127.0.0.1:PORT/0) is the only line on stdout; progress goes to stderr.
# `DAGSEAL_REDIS_PORT=6390 bash tooling/start_redis.sh` gives a test its own instance to restart.
set -euo pipefail

port="${DAGSEAL_REDIS_PORT:-6380}"
dir="${DAGSEAL_REDIS_DIR:-/var/tmp/dagseal-redis-$port}"
password="${DAGSEAL_REDIS_PASSWORD:-dagseal}"
url="redis://:$password@127.0.0.1:$port/0"

say() { echo "start_redis: $*" >&2; }

if ! command -v redis-server >/dev/null 2>&1; then
  say "installing Debian redis-server"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >&2
fi

ping() { REDISCLI_AUTH="$password" redis-cli -h 127.0.0.1 -p "$port" --no-auth-warning ping 2>/dev/null; }

if [ "$(ping)" = PONG ]; then
  say "already running on 127.0.0.1:$port"
  echo "$url"
  exit 0
fi

mkdir -p "$dir"
chmod 700 "$dir"
cat > "$dir/redis.conf" <<CONF
bind 127.0.0.1
protected-mode yes
port $port
requirepass $password
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
dir $dir
save ""
appendonly no
CONF
chmod 600 "$dir/redis.conf"

say "starting on 127.0.0.1:$port (log: $dir/redis.log)"
redis-server "$dir/redis.conf"
for _ in $(seq 1 100); do
  if [ "$(ping)" = PONG ]; then
    echo "$url"
    exit 0
  fi
  sleep 0.1
done
say "redis did not answer on 127.0.0.1:$port within 10 s; see $dir/redis.log"
exit 1
