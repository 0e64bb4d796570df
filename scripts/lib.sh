# shellcheck shell=bash
# Shared helpers for swarmlet's shell scripts. Source it; it defines functions only.

# Prints a message on stderr, prefixed with the calling script's name.
log() { printf '[%s] %s\n' "${SCRIPT_NAME:-swarmlet}" "$*" >&2; }

# Prints an error and exits non-zero.
die() {
  log "error: $*"
  exit 1
}

# Milliseconds since the epoch (GNU date).
now_ms() { date +%s%3N; }

# Seconds elapsed since a now_ms value, with one decimal.
elapsed_s() {
  local start=$1 end
  end=$(now_ms)
  awk -v d="$((end - start))" 'BEGIN { printf "%.1f", d / 1000 }'
}

# Applies SWARMLET_DOCKER_HOST over DOCKER_HOST, so `docker` and dockerode use the same engine.
apply_docker_host() {
  if [[ -n "${SWARMLET_DOCKER_HOST:-}" ]]; then
    export DOCKER_HOST="$SWARMLET_DOCKER_HOST"
  fi
}

# True when the engine (DOCKER_HOST or the default socket) answers `docker version`.
engine_answers() {
  timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}
