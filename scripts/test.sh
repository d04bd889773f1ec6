#!/usr/bin/env bash
# The one test command (README, CI): type-check, lint, then every test file
# under node's built-in runner. Compiles first so dist/ matches src/.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== type-check and build"
npx tsc -p tsconfig.json
echo "== lint"
npx eslint .
echo "== tests"
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --test --test-reporter=spec --test-timeout=600000 "${files[@]}"
