#!/usr/bin/env bash
# The test command (.ci/run calls it): set-up on a bare machine, lint, unit tests, the
# integration suite against the real Docker engine, then the multi-node cluster suite on a
# 5-node docker-compose cluster (scripts/cluster-test.sh). Prints the time of each part.
#
# Usage: scripts/test.sh [--no-integration] [--no-cluster]
set -euo pipefail

SCRIPT_NAME=test
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

integration=1
cluster=1
for arg in "$@"; do
  case "$arg" in
    --no-integration) integration=0 cluster=0 ;;
    --no-cluster) cluster=0 ;;
    *) echo "usage: scripts/test.sh [--no-integration] [--no-cluster]" >&2; exit 2 ;;
  esac
done

start=$(now_ms)
bash scripts/setup.sh

t=$(now_ms)
log "lint (eslint + prettier)"
npm run --silent lint
log "lint: $(elapsed_s "$t") s"

t=$(now_ms)
log "unit tests"
npx vitest run --project unit
log "unit tests: $(elapsed_s "$t") s"

if [[ $integration == 1 ]]; then
  t=$(now_ms)
  # A real registry with password auth for the pull-credential tests (Debian packages).
  if ! command -v docker-registry >/dev/null || ! command -v htpasswd >/dev/null; then
    log "installing docker-registry and apache2-utils (registry tests)"
    apt-get install -y -q --no-install-recommends docker-registry apache2-utils >/dev/null ||
      { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends docker-registry apache2-utils >/dev/null; }
  fi
  log "integration tests (real Docker engine)"
  npx vitest run --project integration
  log "integration tests: $(elapsed_s "$t") s"
fi
if [[ $cluster == 1 ]]; then
  t=$(now_ms)
  log "cluster tests (5-node docker-compose cluster)"
  CLUSTER_NO_BUILD=1 bash scripts/cluster-test.sh
  log "cluster tests: $(elapsed_s "$t") s"
fi
log "all passed in $(elapsed_s "$start") s"
