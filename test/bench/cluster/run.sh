#!/usr/bin/env bash
# Cluster benchmark: builds, brings up the 5-node docker-compose cluster, runs bench.mjs against
# it and always tears the cluster down (scripts/cluster-test.sh --run: same lock, bring-up,
# health wait, log saving on failure and teardown as the cluster suite).
#
# Usage: test/bench/cluster/run.sh [--trials N] [--rounds N] [--replicas 15,100]
#                                  [--skip-failover] [--skip-replicas]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
exec bash "$ROOT/scripts/cluster-test.sh" --run node "$ROOT/test/bench/cluster/bench.mjs" "$@"
