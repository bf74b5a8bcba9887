#!/usr/bin/env bash
# The README's test command: set up everything (idempotent), lint, check the trusted/untrusted
# import line, then run the unit and the integration suites against the real services.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tooling/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

ruff check .
lint-imports

# The Bazel half: every image and //:digest_map build offline, the map test passes, and two
# builds from different checkout paths and output bases give a bit-identical map.
bazel build //...
bazel test //...
bash tooling/check_reproducible.sh

# pytest exits 5 when it collects nothing: with `set -e` that fails the run, as it should.
pytest tests/unit -q
pytest tests/integration -q --durations=40  # the slowest, to keep the run short
