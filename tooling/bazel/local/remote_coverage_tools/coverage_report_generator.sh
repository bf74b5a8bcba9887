#!/bin/sh
echo "remote_coverage_tools is stubbed for offline builds (tooling/bazel/local); coverage reports are unavailable" >&2
exit 1
