#!/usr/bin/env bash
# Builds and runs the native core's ctest suites: the Release build and the ASan+UBSan build.
# Each writes native/build-<preset>/ctest-results.xml, which .ci/summarize-tests.mjs counts.
set -euo pipefail
cd "$(dirname "$0")"
jobs=$(nproc 2>/dev/null || echo 2)
status=0
for preset in cpu sanitizer; do
  echo "::: native tests ($preset)"
  cmake --preset "$preset" >/dev/null
  cmake --build "build-$preset" -j "$jobs"
  ctest --test-dir "build-$preset" --output-on-failure --output-junit ctest-results.xml || status=1
done
exit $status
