#!/usr/bin/env bash
# Install Debian's Bazel (bazel-bootstrap 4.2.3) and a JDK when missing. Idempotent.
# The repository's WORKSPACE provides rules_cc, rules_java and remote_coverage_tools locally,
# so this Bazel builds offline. Run as root (CI and dev machines here are root).
set -euo pipefail
missing=()
command -v bazel >/dev/null 2>&1 || missing+=(bazel-bootstrap)
# bazel-bootstrap runs on a system JDK; default-jdk-headless is what Debian pairs it with.
if ! command -v java >/dev/null 2>&1; then missing+=(default-jdk-headless); fi
for tool in apt-get:apt sha256sum:coreutils python3:python3; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# deb_packages needs current package lists to find the pinned versions.
if [[ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial || true)" ]]; then
  apt-get update -qq
fi
bazel --version
