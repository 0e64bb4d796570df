#!/usr/bin/env bash
# Makes sure a Docker engine answers, installing and starting one on a bare Debian machine.
#
# Usage: scripts/ensure-docker.sh
#
#   - If SWARMLET_DOCKER_HOST or DOCKER_HOST is set, only checks that engine (never installs).
#   - If the default socket (/var/run/docker.sock) answers, does nothing and says so.
#   - Otherwise, as root on Debian: installs docker.io when `dockerd` is missing, starts dockerd
#     in the background and waits until it answers.
#
# Environment:
#   SWARMLET_DOCKERD_PIDFILE  default /var/run/swarmlet-dockerd.pid
#   SWARMLET_DOCKERD_LOG      default /var/log/swarmlet-dockerd.log
#   SWARMLET_DOCKERD_TIMEOUT  seconds to wait for the engine, default 60
#
# Stop the engine this script started with: kill "$(cat /var/run/swarmlet-dockerd.pid)"
set -euo pipefail

SCRIPT_NAME=ensure-docker
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PIDFILE=${SWARMLET_DOCKERD_PIDFILE:-/var/run/swarmlet-dockerd.pid}
LOGFILE=${SWARMLET_DOCKERD_LOG:-/var/log/swarmlet-dockerd.log}
TIMEOUT=${SWARMLET_DOCKERD_TIMEOUT:-60}
LOCKFILE=/var/run/swarmlet-dockerd.lock
export PATH="$PATH:/usr/sbin:/sbin"

engine_summary() {
  docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null || echo unknown
}

# An explicitly chosen engine is only checked: we cannot install or start a remote one.
check_explicit_host() {
  command -v docker >/dev/null ||
    die "DOCKER_HOST=$DOCKER_HOST is set but the docker CLI is missing; install it (apt-get install docker.io) or unset DOCKER_HOST"
  engine_answers ||
    die "no Docker engine answers at DOCKER_HOST=$DOCKER_HOST; start that engine, or unset SWARMLET_DOCKER_HOST/DOCKER_HOST to use the local one"
  log "Docker engine already answers at $DOCKER_HOST: $(engine_summary); nothing to do"
}

require_root_debian() {
  if [[ $EUID -ne 0 && -S /var/run/docker.sock && ! -w /var/run/docker.sock ]]; then
    die "a Docker socket exists at /var/run/docker.sock but $(id -un) may not use it. Add yourself to its group ('sudo usermod -aG $(stat -c %G /var/run/docker.sock) $(id -un)', then log in again) or re-run: sudo $0"
  fi
  [[ $EUID -eq 0 ]] ||
    die "no Docker engine answers at /var/run/docker.sock and this is not root. Start Docker yourself (e.g. 'sudo systemctl start docker'), add yourself to the docker group, or re-run: sudo $0"
  [[ -r /etc/debian_version ]] && command -v apt-get >/dev/null ||
    die "no Docker engine answers at /var/run/docker.sock and this is not Debian. Install Docker Engine (https://docs.docker.com/engine/install/), start it, then re-run $0"
}

install_docker() {
  command -v dockerd >/dev/null && command -v docker >/dev/null && return 0
  local start
  start=$(now_ms)
  log "installing docker.io with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q docker.io >&2; then
    log "install failed; running apt-get update and retrying"
    apt-get update -q >&2
    apt-get install -y -q docker.io >&2
  fi
  command -v dockerd >/dev/null || die "apt-get installed docker.io but dockerd is not on PATH"
  log "installed docker.io in $(elapsed_s "$start") s"
}

# The pid in PIDFILE when that process is alive and is a dockerd.
running_pid() {
  local pid
  [[ -r $PIDFILE ]] || return 1
  pid=$(<"$PIDFILE")
  [[ $pid =~ ^[0-9]+$ ]] && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]] || return 1
  echo "$pid"
}

start_dockerd() {
  if running_pid >/dev/null; then
    log "dockerd (pid $(running_pid)) is running but not answering yet; waiting for it"
    return 0
  fi
  mkdir -p "$(dirname "$PIDFILE")" "$(dirname "$LOGFILE")"
  log "starting dockerd (pidfile $PIDFILE, log $LOGFILE)"
  # setsid: the engine must outlive this script and the shell or job that ran it.
  setsid dockerd --pidfile "$PIDFILE" >>"$LOGFILE" 2>&1 </dev/null &
  disown || true
}

wait_for_engine() {
  local start deadline
  start=$(now_ms)
  deadline=$((SECONDS + TIMEOUT))
  until engine_answers; do
    if ((SECONDS >= deadline)); then
      log "last lines of $LOGFILE:"
      tail -n 30 "$LOGFILE" >&2 || true
      die "dockerd did not answer within ${TIMEOUT} s (see $LOGFILE)"
    fi
    sleep 0.2
  done
  log "Docker engine answers: $(engine_summary), pid $(running_pid || echo '?'), after $(elapsed_s "$start") s"
}

main() {
  apply_docker_host
  if [[ -n "${DOCKER_HOST:-}" ]]; then
    check_explicit_host
    return 0
  fi
  if command -v docker >/dev/null && engine_answers; then
    log "Docker engine already answers at /var/run/docker.sock: $(engine_summary); nothing to do"
    return 0
  fi
  require_root_debian
  # Serialise concurrent runs (several test scripts may call this at once).
  exec 9>"$LOCKFILE"
  flock -w $((TIMEOUT + 120)) 9 || die "another ensure-docker run holds $LOCKFILE"
  if command -v docker >/dev/null && engine_answers; then
    log "Docker engine answers (started by a concurrent run): $(engine_summary)"
    return 0
  fi
  install_docker
  start_dockerd
  wait_for_engine
}

main "$@"
