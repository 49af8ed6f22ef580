#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing (npm packages, nats-server),
# builds, checks module boundaries and types, runs every vitest test (JSON report in
# reports/vitest.json) and the conformance suite (reports/conformance.json).
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi

if ! command -v nats-server >/dev/null 2>&1; then
  echo "== installing nats-server (Debian package)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nats-server >/dev/null
fi

mkdir -p reports
echo "== build"
npm run --silent build
echo "== module boundaries"
node scripts/check-boundaries.mjs
echo "== typecheck"
npx tsc -p tsconfig.json --noEmit
echo "== unit, golden and end-to-end tests"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=reports/vitest.json || status=$?
if [ -f conformance/dist/main.js ] && [ "${PORTWAY_SKIP_CONFORMANCE:-}" != "1" ]; then
  echo "== conformance"
  node conformance/dist/main.js --report reports/conformance.json || status=$?
fi
exit $status
