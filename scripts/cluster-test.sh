#!/usr/bin/env bash
# The multi-node test suite: brings up a fresh 5-node cluster (docker-compose.test.yml: managers
# m1..m3, workers w1, w2, each with its own Docker engine and swarmletd), runs the vitest project
# `cluster` (test/cluster/) against it, and always tears the cluster down, also on failure, Ctrl-C
# or SIGTERM. Exits with the suite's status. Prints the time of each phase.
#
# Usage: scripts/cluster-test.sh [VITEST ARGS...]    e.g. scripts/cluster-test.sh -t partition
#        npm run test:cluster -- [VITEST ARGS...]
#        scripts/cluster-test.sh --run CMD [ARGS...]  runs CMD instead of the suite, with the same
#                                 build, bring-up and teardown (test/bench/cluster/run.sh uses it)
#
# Phases: scripts/ensure-docker.sh; docker-compose from apt when missing; npm run build;
# scripts/build-images.sh; deploy/build-node-image.sh (skipped when current); `down -v` of a
# cluster left by KEEP_CLUSTER=1; `up -d`; wait until the 5 nodes are healthy; the suite; `down -v`.
#
# Environment:
#   KEEP_CLUSTER=1          leave the cluster up afterwards (inspect it with docker exec, rerun
#                           the suite with `npx vitest run --project cluster`); the next run of
#                           this script replaces it, or removes it if that run fails earlier
#   CLUSTER_NO_BUILD=1      skip `npm run build` and package the existing dist (e.g. while
#                           someone else's half-done change breaks the build)
#   CLUSTER_HEALTH_TIMEOUT  seconds to wait for all nodes to be healthy (default 120)
#   CLUSTER_LOG_DIR         where the nodes' logs are saved when the suite or set-up fails
#                           (default /tmp/swarmlet-cluster-logs)
#   SWARMLETD_ARGS, DOCKERD_ARGS, NODE_DNS, NODE_HEALTH_INTERVAL   read by docker-compose.test.yml
set -euo pipefail

SCRIPT_NAME=cluster-test
SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$SCRIPTS")
# shellcheck source=scripts/lib.sh
source "$SCRIPTS/lib.sh"
cd "$ROOT"

PROJECT=swarmlet-test
COMPOSE_FILE=$ROOT/docker-compose.test.yml
NODE_COUNT=5
HEALTH_TIMEOUT=${CLUSTER_HEALTH_TIMEOUT:-120}
LOG_DIR=${CLUSTER_LOG_DIR:-/tmp/swarmlet-cluster-logs}
LOCKFILE=/var/run/swarmlet-cluster-test.lock
export SWARMLET_CLUSTER_PROJECT=$PROJECT

START=$(now_ms)
TIMINGS=()
CHILD=        # the long-running command in the background, so that signals interrupt `wait`
PHASE=        # "NAME START_MS" of the phase running
CLUSTER_UP=0  # set once `up` was attempted: teardown has something to remove
SUITE_RAN=0

compose() { docker-compose -p "$PROJECT" -f "$COMPOSE_FILE" "$@"; }

# phase NAME CMD...: runs CMD in the background, waits for it, records its time.
phase() {
  local name=$1 t code=0
  shift
  t=$(now_ms)
  PHASE="$name $t"
  log "$name"
  "$@" &
  CHILD=$!
  wait "$CHILD" || code=$?
  CHILD=
  PHASE=
  add_timing "$name" "$t"
  return "$code"
}

add_timing() { TIMINGS+=("$(printf '%-22s %6s s' "$1" "$(elapsed_s "$2")")"); }

project_ids() { docker "$1" ls -q --filter "label=com.docker.compose.project=$PROJECT" "${@:2}"; }

install_compose() {
  command -v docker-compose >/dev/null && return 0
  [[ $EUID -eq 0 ]] || die "docker-compose is missing: apt-get install docker-compose (as root)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q docker-compose >&2 || { apt-get update -q >&2 && apt-get install -y -q docker-compose >&2; }
}

# Waits (bounded) until every node reports healthy; fails early when one exits or turns unhealthy.
wait_healthy() {
  local deadline=$((SECONDS + HEALTH_TIMEOUT)) states healthy
  while :; do
    states=$(project_ids container -a | xargs -r docker inspect -f \
      '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}')
    healthy=$(grep -c ' running healthy$' <<<"$states" || true)
    [[ $healthy -eq $NODE_COUNT ]] && return 0
    if grep -Eq ' (exited|dead)| unhealthy$' <<<"$states"; then
      log "a node failed:"$'\n'"$states"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      log "not all nodes healthy after $HEALTH_TIMEOUT s:"$'\n'"$states"
      return 1
    fi
    sleep 0.25
  done
}

# The nodes' logs (swarmletd on stdout, the entrypoint) and inner dockerd logs, for a post-mortem.
save_logs() {
  local dir id name
  dir=$LOG_DIR/$(date +%Y%m%d-%H%M%S)
  mkdir -p "$dir"
  for id in $(project_ids container -a); do
    name=$(docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}}' "$id")
    docker logs --timestamps "$id" >"$dir/$name.log" 2>&1 || true
    timeout 10 docker exec "$id" cat /var/log/dockerd.log >"$dir/$name-dockerd.log" 2>/dev/null || true
  done
  log "node logs saved in $dir"
}

# Removes whatever of the project `down` left behind (by label only, so nothing else is touched).
remove_leftovers() {
  local left=()
  mapfile -t left < <(project_ids container -a)
  ((${#left[@]} == 0)) || docker rm -f -v "${left[@]}" >/dev/null 2>&1 || true
  mapfile -t left < <(project_ids volume)
  ((${#left[@]} == 0)) || docker volume rm -f "${left[@]}" >/dev/null 2>&1 || true
  mapfile -t left < <(project_ids network)
  ((${#left[@]} == 0)) || docker network rm "${left[@]}" >/dev/null 2>&1 || true
  left=("$(project_ids container -a)$(project_ids volume)$(project_ids network)")
  if [[ -n ${left[0]} ]]; then
    log "error: could not remove: ${left[0]//$'\n'/ }"
    return 1
  fi
}

teardown() {
  if [[ $KEEP_CLUSTER == 1 ]]; then
    log "KEEP_CLUSTER=1: the cluster stays up (docker ps --filter label=com.docker.compose.project=$PROJECT);"
    log "  remove it: docker-compose -p $PROJECT -f docker-compose.test.yml down -v --remove-orphans"
    return 0
  fi
  local t
  t=$(now_ms)
  log "tearing down"
  timeout 120 docker-compose -p "$PROJECT" -f "$COMPOSE_FILE" down -v --remove-orphans -t 15 >&2 ||
    log "docker-compose down failed: removing by label"
  remove_leftovers || true
  add_timing "down -v" "$t"
}

print_timings() {
  log "timings:"
  printf '  %s\n' "${TIMINGS[@]}" >&2
  printf '  %-22s %6s s\n' total "$(elapsed_s "$START")" >&2
}

# EXIT, INT and TERM all end here, once.
finish() {
  local code=$1 pid=$CHILD
  trap '' INT TERM
  trap - EXIT
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping the running phase (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    add_timing "${PHASE% *} (stopped)" "${PHASE##* }"
  fi
  [[ $CLUSTER_UP == 1 && $code -ne 0 && $KEEP_CLUSTER != 1 ]] && save_logs
  # Also a cluster an earlier KEEP_CLUSTER=1 run left, when this run failed before replacing it.
  if [[ $CLUSTER_UP == 1 || -n "$(project_ids container -a)$(project_ids volume)$(project_ids network)" ]]; then
    teardown
  fi
  print_timings
  if [[ $code -eq 0 ]]; then
    log "passed"
  elif [[ $SUITE_RAN == 1 ]]; then
    log "FAILED (status $code)"
  else
    log "FAILED before or during set-up (status $code)"
  fi
  exit "$code"
}

main() {
  RUN_CMD=0
  if [[ ${1:-} == --run ]]; then
    shift
    [[ $# -gt 0 ]] || die "--run needs a command"
    RUN_CMD=1
  fi
  KEEP_CLUSTER=${KEEP_CLUSTER:-0}
  NO_BUILD=${CLUSTER_NO_BUILD:-0}
  exec 8>"$LOCKFILE"
  flock -n 8 || die "another cluster-test run holds $LOCKFILE"
  trap 'finish $?' EXIT
  trap 'log "interrupted (SIGINT)"; finish 130' INT
  trap 'log "terminated (SIGTERM)"; finish 143' TERM

  phase "docker engine" bash scripts/ensure-docker.sh
  phase "docker-compose" install_compose
  if [[ $NO_BUILD == 1 ]]; then
    log "CLUSTER_NO_BUILD=1: using the existing dist as it is"
  else
    phase "npm run build" npm run --silent build
  fi
  phase "test images" bash scripts/build-images.sh --no-ensure
  phase "node image" bash deploy/build-node-image.sh
  CLUSTER_UP=1
  if [[ -n "$(project_ids container -a)$(project_ids volume)" ]]; then
    phase "remove old cluster" compose down -v --remove-orphans -t 15
  fi
  phase "up -d" compose up -d
  export SWARMLET_CLUSTER_FRESH=1
  phase "wait healthy" wait_healthy
  SUITE_RAN=1
  if [[ $RUN_CMD == 1 ]]; then
    phase "run" "$@"
  else
    # The local vitest (what npx runs) without npm in between, so SIGTERM reaches it directly.
    phase "suite" "$ROOT/node_modules/.bin/vitest" run --project cluster "$@"
  fi
}

main "$@"
