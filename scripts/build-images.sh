#!/usr/bin/env bash
# Builds swarmlet's local images without any registry.
#
# Usage: scripts/build-images.sh [--force] [--no-ensure]
#
#   swarmlet/busybox:latest   static busybox rootfs (Debian's busybox-static .deb, extracted, not
#                             installed), `docker import`ed with CMD ["/bin/sh"]. The test image.
#   swarmlet/demo-web:latest  FROM swarmlet/busybox (classic `docker build` of images/demo-web):
#                             busybox httpd on $PORT (80) replying "hello from <service>.<slot> ...".
#
# Idempotent: each image carries the label io.swarmlet.image.hash (hash of its inputs); an image
# whose label matches is skipped. --force rebuilds both and re-downloads the .deb.
# --no-ensure skips scripts/ensure-docker.sh (by default it runs first).
#
# Environment: SWARMLET_IMAGE_CACHE (default $XDG_CACHE_HOME/swarmlet-images, else
# /var/cache/swarmlet-images as root, else ~/.cache/swarmlet-images) holds the downloaded .deb.
set -euo pipefail

SCRIPT_NAME=build-images
SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$SCRIPTS")
# shellcheck source=scripts/lib.sh
source "$SCRIPTS/lib.sh"

HASH_LABEL=io.swarmlet.image.hash
BUSYBOX_IMAGE=swarmlet/busybox:latest
DEMO_IMAGE=swarmlet/demo-web:latest
# Bump when the rootfs recipe below changes in a way the inputs' hash cannot see.
RECIPE_VERSION=1

default_cache() {
  if [[ -n "${XDG_CACHE_HOME:-}" ]]; then
    echo "$XDG_CACHE_HOME/swarmlet-images"
  elif [[ $EUID -eq 0 ]]; then
    echo /var/cache/swarmlet-images
  else
    echo "$HOME/.cache/swarmlet-images"
  fi
}
CACHE=${SWARMLET_IMAGE_CACHE:-$(default_cache)}

FORCE=0
ENSURE=1
SUMMARY=()

parse_args() {
  local arg
  for arg in "$@"; do
    case $arg in
      --force) FORCE=1 ;;
      --no-ensure) ENSURE=0 ;;
      -h | --help)
        sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
      *) die "unknown argument: $arg (usage: $0 [--force] [--no-ensure])" ;;
    esac
  done
}

# The hash label of a local image, or nothing when the image is absent.
image_hash() {
  docker image inspect -f "{{index .Config.Labels \"$HASH_LABEL\"}}" "$1" 2>/dev/null || true
}

image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

# True (and records the skip) when IMAGE exists with hash HASH and --force was not given.
up_to_date() {
  local image=$1 hash=$2
  [[ $FORCE -eq 0 && "$(image_hash "$image")" == "$hash" ]] || return 1
  log "$image is up to date (hash ${hash:0:12}); skipping"
  SUMMARY+=("$image: up to date, $(image_id "$image" | cut -c8-19)")
}

# Removes a replaced image if nothing uses or tags it any more.
drop_old_image() {
  local old=$1 image=$2
  [[ -n $old && $old != "$(image_id "$image")" ]] || return 0
  docker image rm "$old" >/dev/null 2>&1 || true
}

record_built() {
  local image=$1 start=$2 size
  size=$(docker image inspect -f '{{.Size}}' "$image" | awk '{ printf "%.1f MB", $1 / 1e6 }')
  log "built $image ($size) in $(elapsed_s "$start") s"
  SUMMARY+=("$image: built in $(elapsed_s "$start") s, $size, $(image_id "$image" | cut -c8-19)")
}

# Prints the path of the cached busybox-static .deb, downloading it when absent (or --force).
busybox_deb() {
  local dir=$CACHE/debs deb
  mkdir -p "$dir"
  [[ $FORCE -eq 1 ]] && rm -f "$dir"/busybox-static_*.deb
  deb=$(find "$dir" -maxdepth 1 -name 'busybox-static_*.deb' | sort | tail -n 1)
  if [[ -z $deb ]]; then
    log "downloading busybox-static into $dir"
    if ! (cd "$dir" && apt-get download -q busybox-static >&2 2>/dev/null); then
      [[ $EUID -eq 0 ]] || die "apt-get download busybox-static failed; run 'sudo apt-get update' and retry"
      apt-get update -q >&2
      (cd "$dir" && apt-get download -q busybox-static >&2)
    fi
    deb=$(find "$dir" -maxdepth 1 -name 'busybox-static_*.deb' | sort | tail -n 1)
  fi
  [[ -n $deb ]] || die "no busybox-static .deb in $dir after download"
  echo "$deb"
}

# Fills ROOTFS from the .deb: bin/busybox, one symlink per applet, and images/busybox/rootfs.
make_busybox_rootfs() {
  local deb=$1 rootfs=$2 pkg=$3 applet
  dpkg-deb -x "$deb" "$pkg"
  mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,root,var/www,tmp}
  chmod 1777 "$rootfs/tmp"
  install -m 0755 "$pkg/bin/busybox" "$rootfs/bin/busybox"
  for applet in $("$pkg/bin/busybox" --list-full); do
    [[ $applet == bin/busybox ]] && continue
    mkdir -p "$rootfs/$(dirname "$applet")"
    ln -sf /bin/busybox "$rootfs/$applet"
  done
  cp -a "$ROOT/images/busybox/rootfs/." "$rootfs/"
}

build_busybox() {
  local start work deb hash old
  start=$(now_ms)
  deb=$(busybox_deb)
  work=$(mktemp -d)
  # shellcheck disable=SC2064 # expand $work now: it is local
  trap "rm -rf '$work'" RETURN
  make_busybox_rootfs "$deb" "$work/rootfs" "$work/pkg"
  # A reproducible tar, so its hash is the image's content hash.
  tar -C "$work/rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$work/rootfs.tar" .
  hash=$( (sha256sum <"$work/rootfs.tar" && echo "recipe $RECIPE_VERSION CMD /bin/sh") | sha256sum | cut -c1-64)
  up_to_date "$BUSYBOX_IMAGE" "$hash" && return 0
  old=$(image_id "$BUSYBOX_IMAGE")
  log "importing $BUSYBOX_IMAGE from $(basename "$deb")"
  docker import -c 'CMD ["/bin/sh"]' -c "LABEL $HASH_LABEL=$hash" \
    -m "swarmlet busybox from $(basename "$deb")" "$work/rootfs.tar" "$BUSYBOX_IMAGE" >/dev/null
  drop_old_image "$old" "$BUSYBOX_IMAGE"
  record_built "$BUSYBOX_IMAGE" "$start"
}

build_demo_web() {
  local start dir=$ROOT/images/demo-web hash old
  start=$(now_ms)
  hash=$( (image_id "$BUSYBOX_IMAGE" && cd "$dir" && find . -type f -print0 | sort -z | xargs -0 sha256sum) |
    sha256sum | cut -c1-64)
  up_to_date "$DEMO_IMAGE" "$hash" && return 0
  old=$(image_id "$DEMO_IMAGE")
  log "building $DEMO_IMAGE from images/demo-web"
  # The classic builder: works with the 20.10 engine and a newer CLI without buildx.
  DOCKER_BUILDKIT=0 docker build -q --label "$HASH_LABEL=$hash" -t "$DEMO_IMAGE" "$dir" >/dev/null 2>"$CACHE/demo-web-build.err" ||
    die "docker build of $DEMO_IMAGE failed: $(cat "$CACHE/demo-web-build.err")"
  drop_old_image "$old" "$DEMO_IMAGE"
  record_built "$DEMO_IMAGE" "$start"
}

main() {
  parse_args "$@"
  local start
  start=$(now_ms)
  if [[ $ENSURE -eq 1 ]]; then
    "$SCRIPTS/ensure-docker.sh"
  fi
  apply_docker_host
  engine_answers || die "no Docker engine answers; run scripts/ensure-docker.sh first"
  mkdir -p "$CACHE"
  # Serialise concurrent runs (test suites may call this at once): the second then finds images current.
  exec 9>"$CACHE/.build.lock"
  flock -w 300 9 || die "another build-images run holds $CACHE/.build.lock"
  build_busybox
  build_demo_web
  log "done in $(elapsed_s "$start") s:"
  printf '  %s\n' "${SUMMARY[@]}" >&2
}

main "$@"
