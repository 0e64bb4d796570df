#!/usr/bin/env bash
# Quick start: a single-node swarmlet cluster on the local Docker engine with a demo service.
#
#   scripts/quickstart.sh          set up, start swarmletd, init, run `demo` with 3 replicas
#   scripts/quickstart.sh down     remove the demo service and stop swarmletd (state is kept)
#   scripts/quickstart.sh purge    `down`, then delete the state dir and the CLI wrappers
#
# Environment: SWARMLET_DATA_DIR (default /var/lib/swarmlet), SWARMLET_SOCKET
# (default /var/run/swarmlet.sock), DEMO_PORT (published port of the demo, default 8080). Logs go
# to /var/log/swarmletd.log.
set -euo pipefail

SCRIPT_NAME=quickstart
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

DATA_DIR=${SWARMLET_DATA_DIR:-/var/lib/swarmlet}
SOCKET=${SWARMLET_SOCKET:-/var/run/swarmlet.sock}
PIDFILE=/var/run/swarmletd.pid
LOGFILE=/var/log/swarmletd.log
BIN_DIR=/usr/local/bin
DEMO_PORT=${DEMO_PORT:-8080}
export SWARMLET_SOCKET="$SOCKET"

swarmlet() { node "$ROOT/cmd/swarmlet/dist/main.js" "$@"; }

daemon_running() { [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

install_wrappers() {
  [[ $(id -u) == 0 && -d $BIN_DIR ]] || return 0
  for b in swarmlet swarmletd; do
    printf '#!/bin/sh\nexec node %q "$@"\n' "$ROOT/cmd/$b/dist/main.js" >"$BIN_DIR/$b"
    chmod 755 "$BIN_DIR/$b"
  done
  log "installed $BIN_DIR/swarmlet and $BIN_DIR/swarmletd (wrappers around this checkout)"
}

start_daemon() {
  if daemon_running; then
    log "swarmletd already running (pid $(cat "$PIDFILE"))"
    return
  fi
  log "starting swarmletd (data $DATA_DIR, socket $SOCKET, log $LOGFILE)"
  setsid node "$ROOT/cmd/swarmletd/dist/main.js" --data-dir "$DATA_DIR" --socket "$SOCKET" \
    >>"$LOGFILE" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 100); do
    swarmlet info >/dev/null 2>&1 && return
    daemon_running || die "swarmletd exited; see $LOGFILE"
    sleep 0.1
  done
  die "swarmletd did not answer within 10 s; see $LOGFILE"
}

up() {
  local t
  t=$(now_ms)
  bash scripts/setup.sh
  install_wrappers
  start_daemon
  if swarmlet info --format json | grep -Eq '"state": ?"inactive"'; then swarmlet init; fi
  if ! swarmlet service inspect demo >/dev/null 2>&1; then
    swarmlet service create --name demo --replicas 3 -p "$DEMO_PORT:80" swarmlet/demo-web:latest
  fi
  echo
  swarmlet service ls
  echo
  swarmlet service ps demo
  echo
  log "the published port answers round robin over the replicas (each names itself):"
  for _ in 1 2 3 4; do
    printf '  curl http://127.0.0.1:%s/  ->  %s\n' "$DEMO_PORT" \
      "$(timeout 3 curl -s "http://127.0.0.1:$DEMO_PORT/" || echo '(no answer)')"
  done
  echo
  log "ready in $(elapsed_s "$t") s. Try: swarmlet service scale demo=10; swarmlet service ps demo"
  log "stop: scripts/quickstart.sh down   (purge state too: scripts/quickstart.sh purge)"
}

down() {
  if daemon_running; then
    if swarmlet service inspect demo >/dev/null 2>&1; then
      swarmlet service rm demo
      for _ in $(seq 1 100); do
        [[ -z $(docker ps -aq --filter label=io.swarmlet.service.name=demo) ]] && break
        sleep 0.1
      done
    fi
    kill -TERM "$(cat "$PIDFILE")"
    for _ in $(seq 1 50); do daemon_running || break; sleep 0.1; done
    rm -f "$PIDFILE"
    log "swarmletd stopped (other services' containers, if any, keep running)"
  else
    log "swarmletd is not running"
  fi
}

purge() {
  # Leaving tears down this node's overlay networks, VXLAN devices and ingress rules.
  if daemon_running; then swarmlet leave --force >/dev/null 2>&1 || true; fi
  down
  local left
  left=$(docker ps -aq --filter label=io.swarmlet.task.id)
  [[ -n $left ]] && docker rm -f $left >/dev/null
  rm -rf "$DATA_DIR" "$SOCKET"
  rm -f "$BIN_DIR/swarmlet" "$BIN_DIR/swarmletd"
  log "removed $DATA_DIR, swarmlet containers and the CLI wrappers"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  purge) purge ;;
  *) die "unknown command '$1' (use: up, down, purge)" ;;
esac
