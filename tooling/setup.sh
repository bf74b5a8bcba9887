#!/usr/bin/env bash
# One-time, idempotent set-up of a fresh Debian bookworm machine (as root) for dagseal:
# Debian packages, the project's virtualenv (.venv), and the real services it talks to —
# PostgreSQL, the Docker engine, a loopback OCI registry and Redis (the Celery broker), each
# started by its own script.
#
# Afterwards the `dagseal` command is .venv/bin/dagseal.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(ca-certificates curl git python3 python3-venv postgresql docker.io skopeo docker-registry
          redis-server
          bazel-bootstrap default-jdk-headless chromium)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

python="${DAGSEAL_PYTHON:-python3}"
"$python" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
  || { echo "setup: dagseal needs Python 3.11 (set DAGSEAL_PYTHON)" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]' >&2

bash tooling/install_bazel.sh >/dev/null
bash tooling/start_postgres.sh >/dev/null
bash tooling/start_docker.sh >/dev/null
bash tooling/start_registry.sh >/dev/null
bash tooling/start_redis.sh >/dev/null
echo "setup: ready (PostgreSQL, Docker engine, registry, Redis running; Python env in .venv)" >&2
