#!/bin/sh
# Entrypoint of a swarmlet test-cluster node (image swarmlet/node:dev, busybox sh).
#
# Runs an inner Docker engine and swarmletd side by side in an unprivileged container (the
# capability set of deploy/README.md): prepares /proc, /sys and the cgroups for docker-in-docker,
# starts dockerd, loads the test images into it, starts swarmletd, then supervises both:
#   - swarmletd (or dockerd) exits   -> the other is stopped and the container exits with
#                                       swarmletd's status (1 if only dockerd died);
#   - SIGTERM/SIGINT (docker stop)   -> SIGTERM to swarmletd, then to dockerd, each waited for
#                                       (bounded), exit 0.
#
# Environment:
#   NODE_BIP          inner docker0 address/prefix, distinct per node (required, e.g. 192.168.211.1/24)
#   NODE_DNS          --dns of the inner engine (default 127.0.0.1; see deploy/README.md)
#   NODE_ADDR         this node's cluster address (default: eth0's IPv4 address)
#   SWARMLETD_ARGS    extra swarmletd flags, split on blanks (default "--log-level info"); each
#                     @NODE_ADDR@ in it becomes NODE_ADDR. Given after --data-dir and --socket,
#                     so it may override them.
#   DOCKERD_ARGS      extra dockerd flags, split on blanks (with a tcp:// host, --tls=false is added)
#   DOCKERD_TIMEOUT   seconds to wait for the inner engine (default 60)
#   STOP_TIMEOUT      seconds to wait for each process on stop (default 8)
set -eu

DATA_DIR=/var/lib/swarmlet
SOCKET=/var/run/swarmlet.sock
DOCKERD_LOG=/var/log/dockerd.log
IMAGES=/opt/swarmlet-images
NODE_BIP=${NODE_BIP:?NODE_BIP must be set, e.g. 192.168.211.1/24}
NODE_DNS=${NODE_DNS:-127.0.0.1}
SWARMLETD_ARGS=${SWARMLETD_ARGS:---log-level info}
DOCKERD_ARGS=${DOCKERD_ARGS:-}
DOCKERD_TIMEOUT=${DOCKERD_TIMEOUT:-60}
STOP_TIMEOUT=${STOP_TIMEOUT:-8}
DOCKERD_PID=
SWARMLETD_PID=
STOPPING=

log() { echo "[entrypoint $(hostname) $(date +%H:%M:%S)] $*" >&2; }

# docker masks /proc/kcore, /proc/keys, ... and mounts /proc/sys read-only; the kernel refuses a
# new proc mount (the inner containers') while parts of /proc are covered. Deepest first.
unmask_proc() {
  # shellcheck disable=SC2013 # mount points here have no blanks
  for m in $(awk '$2 ~ /^\/proc\// { print $2 }' /proc/self/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "warning: cannot unmount $m"
  done
}

# /sys and the cgroup hierarchies are read-only without --privileged; the inner engine writes them.
remount_sys_rw() {
  mount -o remount,rw /sys
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    # cgroup v2 (not exercised on the cgroup v1 hosts this was measured on): move this
    # container's processes to a leaf and delegate every controller, as moby's dind script does.
    mount -o remount,rw /sys/fs/cgroup
    mkdir -p /sys/fs/cgroup/init
    xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/init/cgroup.procs 2>/dev/null || true
    sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers \
      >/sys/fs/cgroup/cgroup.subtree_control
    return 0
  fi
  mount -o remount,rw /sys/fs/cgroup 2>/dev/null || true
  # shellcheck disable=SC2013 # mount points here have no blanks
  for m in $(awk '$3 == "cgroup" { print $2 }' /proc/self/mounts); do
    # Bind mounts of this container's cgroup: only a bind remount changes their flags.
    mount -o remount,bind,rw "$m" || log "warning: cannot remount $m read-write"
  done
}

# A restarted container keeps its filesystem: pid and socket files of the previous run would make
# dockerd, containerd or swarmletd refuse to start.
remove_stale_files() {
  rm -rf /var/run/docker /var/run/docker.pid /var/run/docker.sock /var/run/containerd "$SOCKET"
}

start_dockerd() {
  tls=
  case " $DOCKERD_ARGS " in *tcp://*) tls=--tls=false ;; esac
  log "starting dockerd (--bip $NODE_BIP --dns $NODE_DNS $DOCKERD_ARGS), log $DOCKERD_LOG"
  # shellcheck disable=SC2086 # DOCKERD_ARGS is split into words on purpose
  dockerd --host unix:///var/run/docker.sock --bip "$NODE_BIP" --dns "$NODE_DNS" \
    --shutdown-timeout 3 $tls $DOCKERD_ARGS >>"$DOCKERD_LOG" 2>&1 &
  DOCKERD_PID=$!
  deadline=$(($(date +%s) + DOCKERD_TIMEOUT))
  until docker version --format '{{.Server.Version}}' >/dev/null 2>&1; do
    exit_if_stopping
    if ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
      tail -n 30 "$DOCKERD_LOG" >&2
      log "error: dockerd exited during start"
      exit 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail -n 30 "$DOCKERD_LOG" >&2
      log "error: dockerd did not answer within $DOCKERD_TIMEOUT s"
      stop_process dockerd "$DOCKERD_PID"
      exit 1
    fi
    sleep 0.1
  done
  log "dockerd $(docker version --format '{{.Server.Version}}') answers"
}

# docker load of the test images unless the engine already has exactly these (a restart).
load_images() {
  [ -f "$IMAGES/ids" ] || return 0
  ids=$(cat "$IMAGES/ids")
  echo "$ids" | while read -r name id; do
    [ "$(docker image inspect -f '{{.Id}}' "$name" 2>/dev/null)" = "$id" ] || exit 1
  done && return 0
  docker load -q -i "$IMAGES/test-images.tar" >/dev/null
  log "loaded $(echo "$ids" | cut -d' ' -f1 | tr '\n' ' ')"
}

start_swarmletd() {
  addr=${NODE_ADDR:-$(ip -4 -o addr show eth0 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4; exit }')}
  args=$(echo "$SWARMLETD_ARGS" | sed "s|@NODE_ADDR@|$addr|g")
  log "starting swarmletd --data-dir $DATA_DIR --socket $SOCKET $args"
  mkdir -p "$DATA_DIR"
  set -f
  # shellcheck disable=SC2086 # SWARMLETD_ARGS is split into words on purpose
  swarmletd --data-dir "$DATA_DIR" --socket "$SOCKET" $args &
  SWARMLETD_PID=$!
  set +f
}

# stop_process NAME PID: SIGTERM, wait up to STOP_TIMEOUT s, then SIGKILL.
stop_process() {
  kill -0 "$2" 2>/dev/null || return 0
  kill -TERM "$2" 2>/dev/null || true
  i=0
  while kill -0 "$2" 2>/dev/null; do
    if [ "$i" -ge $((STOP_TIMEOUT * 10)) ]; then
      log "$1 did not stop within $STOP_TIMEOUT s: SIGKILL"
      kill -KILL "$2" 2>/dev/null || true
      break
    fi
    i=$((i + 1))
    sleep 0.1
  done
  wait "$2" 2>/dev/null || true
}

# A stop signal during start-up: stop what runs and exit 0 without starting more.
exit_if_stopping() {
  [ -n "$STOPPING" ] || return 0
  [ -n "$SWARMLETD_PID" ] && stop_process swarmletd "$SWARMLETD_PID"
  [ -n "$DOCKERD_PID" ] && stop_process dockerd "$DOCKERD_PID"
  log "stopped during start-up"
  exit 0
}

# shellcheck disable=SC2317 # called from the traps
on_signal() {
  [ -n "$STOPPING" ] && return 0
  STOPPING=$1
  log "$1: stopping swarmletd, then dockerd"
}

main() {
  trap 'on_signal SIGTERM' TERM
  trap 'on_signal SIGINT' INT
  unmask_proc
  remount_sys_rw
  remove_stale_files
  start_dockerd
  load_images
  exit_if_stopping
  start_swarmletd
  # Poll rather than `wait`: either process dying must end the node. `sleep & wait` lets a
  # signal interrupt the pause at once.
  while [ -z "$STOPPING" ] && kill -0 "$SWARMLETD_PID" 2>/dev/null &&
    kill -0 "$DOCKERD_PID" 2>/dev/null; do
    sleep 0.5 &
    wait $! 2>/dev/null || true
  done
  code=0
  if [ -n "$STOPPING" ]; then
    stop_process swarmletd "$SWARMLETD_PID"
  elif ! kill -0 "$SWARMLETD_PID" 2>/dev/null; then
    wait "$SWARMLETD_PID" 2>/dev/null || code=$?
    log "swarmletd exited with status $code: stopping dockerd"
  else
    log "error: dockerd exited (see $DOCKERD_LOG): stopping swarmletd"
    tail -n 20 "$DOCKERD_LOG" >&2
    stop_process swarmletd "$SWARMLETD_PID"
    code=1
  fi
  stop_process dockerd "$DOCKERD_PID"
  log "stopped (status $code)"
  exit "$code"
}

main "$@"
