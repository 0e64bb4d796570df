#!/usr/bin/env bash
# Builds swarmlet/node:dev, the image of one test-cluster node (docker-compose.test.yml), offline.
#
# Usage: deploy/build-node-image.sh [--force]
#
# No registry and no Dockerfile: a rootfs is assembled from this machine and `docker import`ed.
#   - the host's node, dockerd, containerd, containerd-shim-runc-v2, runc, docker-init,
#     docker-proxy, the iptables multi-binary the host uses (nft or legacy) with its
#     xtables/*.so modules, ip, bridge, the docker CLI, plus every library `ldd` names;
#   - static busybox (the busybox-static .deb scripts/build-images.sh caches) for the shell and
#     the small tools (ping, nc, wget, awk, ...);
#   - the swarmlet build under /opt/swarmlet, with the repo's layout: root package.json,
#     packages/*/{package.json,dist}, cmd/*/{package.json,dist} and the production node_modules
#     (`npm ls --omit=dev --omit=peer`; the @swarmlet/* workspace links stay relative links);
#   - wrappers /usr/local/bin/swarmletd and /usr/local/bin/swarmlet, deploy/entrypoint.sh as
#     /usr/local/bin/swarmlet-node-entrypoint (the image's ENTRYPOINT), deploy/healthcheck.sh as
#     /usr/local/bin/swarmlet-node-health;
#   - `docker save` of swarmlet/busybox:latest and swarmlet/demo-web:latest in /opt/swarmlet-images,
#     which each node's entrypoint `docker load`s into its inner engine.
#
# Idempotent: the image carries the label io.swarmlet.image.hash, a hash of its inputs: contents
# of the build output (dist, package.json) and of the deploy scripts; path, size and mtime of the
# host binaries and libraries (apt replaces them) and of the node_modules files (npm does); ids of
# the test images. A matching image is kept. --force rebuilds.
# Runs `npm run build` when a binary's dist is missing and scripts/build-images.sh when a test
# image is missing. Needs a running Docker engine (scripts/ensure-docker.sh).
set -euo pipefail

SCRIPT_NAME=build-node-image
DEPLOY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$DEPLOY")
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

IMAGE=${SWARMLET_NODE_IMAGE:-swarmlet/node:dev}
HASH_LABEL=io.swarmlet.image.hash
KIND_LABEL=io.swarmlet.image.kind
TEST_IMAGES=(swarmlet/busybox:latest swarmlet/demo-web:latest)
CACHE=${SWARMLET_IMAGE_CACHE:-/var/cache/swarmlet-images}
# Bump when the recipe changes in a way the inputs' hash cannot see.
RECIPE_VERSION=1
export PATH="$PATH:/usr/sbin:/sbin"

FORCE=0
HOST_FILES=()   # absolute paths on this machine, copied to the same path in the rootfs
NODE_MODULES=() # paths relative to ROOT, copied as they are (links stay links)
IPTABLES_MULTI= # the xtables-*-multi binary behind the host's `iptables`

parse_args() {
  local arg
  for arg in "$@"; do
    case $arg in
      --force) FORCE=1 ;;
      -h | --help)
        sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
      *) die "unknown argument: $arg (usage: $0 [--force])" ;;
    esac
  done
}

# The swarmlet build and the test images must exist before anything is hashed.
ensure_inputs() {
  local bin
  for bin in swarmlet swarmletd; do
    if [[ ! -f $ROOT/cmd/$bin/dist/main.js ]]; then
      log "cmd/$bin/dist is missing: running npm run build"
      (cd "$ROOT" && npm run --silent build)
      break
    fi
  done
  if ! docker image inspect "${TEST_IMAGES[@]}" >/dev/null 2>&1; then
    log "test images missing: running scripts/build-images.sh"
    bash "$ROOT/scripts/build-images.sh" --no-ensure
  fi
}

# Where a file reported by ldd or `command -v` lives in a merged-/usr rootfs.
canonical() {
  case $1 in
    /lib/* | /lib64/* | /bin/* | /sbin/*) echo "/usr$1" ;;
    *) echo "$1" ;;
  esac
}

# Libraries ldd names for each argument (static binaries make ldd exit 1: ignored).
libraries_of() {
  ldd "$@" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $1 !~ /:$/ { print $1 }' | sort -u
}

collect_host_files() {
  local name path bins=() xtables_dir=/usr/lib/x86_64-linux-gnu/xtables
  for name in node dockerd containerd containerd-shim-runc-v2 runc docker-init docker-proxy ip bridge docker; do
    path=$(command -v "$name") || die "$name is not installed (apt-get install docker.io iproute2; Node.js 20)"
    bins+=("$path")
  done
  IPTABLES_MULTI=$(readlink -f "$(command -v iptables)") || die "iptables is not installed"
  [[ $IPTABLES_MULTI == */xtables-*-multi ]] || die "iptables is $IPTABLES_MULTI, not an xtables multi-binary"
  bins+=("$IPTABLES_MULTI")
  [[ -d $xtables_dir ]] || xtables_dir=$(dirname "$(ldconfig -p | awk '/libxtables/ { print $NF; exit }')")/xtables
  mapfile -t HOST_FILES < <(
    printf '%s\n' "${bins[@]}" "$xtables_dir"/*.so
    libraries_of "${bins[@]}" "$xtables_dir"/*.so
    ls /etc/protocols /etc/services /etc/ethertypes 2>/dev/null
  )
}

# Production packages as `npm ls` resolves them, without a path inside another listed one.
collect_node_modules() {
  local list
  list=$(cd "$ROOT" && { npm ls --omit=dev --omit=peer --all --parseable 2>/dev/null || true; })
  mapfile -t NODE_MODULES < <(
    sed -n "s|^$ROOT/||p" <<<"$list" | grep '^node_modules/' | sort -u |
      awk 'kept == "" || index($0, kept "/") != 1 { print; kept = $0 }'
  )
  ((${#NODE_MODULES[@]} > 0)) || die "npm ls --omit=dev listed no packages; run npm install"
}

# The repo files that go to /opt/swarmlet besides node_modules, relative to ROOT: the package.json
# files and dist without what never loads at run time (declarations, tests).
repo_files() {
  (cd "$ROOT" && find package.json packages/*/package.json cmd/*/package.json packages/*/dist \
    cmd/*/dist -type f ! -name '*.d.ts' ! -name '*.d.ts.map' ! -name '*.test.js' \
    ! -name '*.test.js.map' -print0 | sort -z)
}

busybox_deb() {
  find "$CACHE/debs" -maxdepth 1 -name 'busybox-static_*.deb' 2>/dev/null | sort | tail -n 1
}

inputs_hash() {
  {
    echo "recipe $RECIPE_VERSION iptables $(basename "$IPTABLES_MULTI")"
    sha256sum "${BASH_SOURCE[0]}" "$DEPLOY/entrypoint.sh" "$DEPLOY/healthcheck.sh" "$(busybox_deb)"
    printf '%s\n' "${HOST_FILES[@]}" | xargs -d '\n' stat -L -c '%n %s %Y'
    repo_files | (cd "$ROOT" && xargs -0 sha256sum)
    (cd "$ROOT" && find "${NODE_MODULES[@]}" -printf '%p %s %T@ %l\n' | sort)
    docker image inspect -f '{{.Id}}' "${TEST_IMAGES[@]}"
  } | sha256sum | cut -c1-64
}

image_label() {
  docker image inspect -f "{{index .Config.Labels \"$HASH_LABEL\"}}" "$IMAGE" 2>/dev/null || true
}

# Static busybox with one link per applet, where no real binary sits already.
install_busybox() {
  local rootfs=$1 deb pkg applet dest
  deb=$(busybox_deb)
  [[ -n $deb ]] || die "no busybox-static .deb in $CACHE/debs: run scripts/build-images.sh"
  pkg=$(mktemp -d)
  dpkg-deb -x "$deb" "$pkg"
  install -m 0755 "$pkg/bin/busybox" "$rootfs/usr/bin/busybox"
  for applet in $("$pkg/bin/busybox" --list-full); do
    dest=$rootfs$(canonical "/$applet")
    [[ -e $dest || -L $dest ]] || ln -s /usr/bin/busybox "$dest"
  done
  rm -rf "$pkg"
}

make_skeleton() {
  local rootfs=$1 d
  mkdir -p "$rootfs"/{usr/bin,usr/sbin,usr/lib,usr/lib64,usr/local/bin,etc,opt,root,run,tmp,proc,sys,dev}
  mkdir -p "$rootfs"/var/{lib/docker,lib/swarmlet,log,tmp}
  for d in bin sbin lib lib64; do ln -s "usr/$d" "$rootfs/$d"; done
  ln -s ../run "$rootfs/var/run"
  chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\ndocker:x:999:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  printf '/usr/lib/x86_64-linux-gnu\n/usr/lib64\n/usr/local/lib\n' >"$rootfs/etc/ld.so.conf"
}

# Hard links where /tmp and the files share a filesystem (the tar reads them anyway), else copies.
install_host_files() {
  local rootfs=$1 f dest name
  for f in "${HOST_FILES[@]}"; do
    dest=$rootfs$(canonical "$f")
    mkdir -p "${dest%/*}"
    cp -lL "$f" "$dest" 2>/dev/null || cp -L --preserve=mode "$f" "$dest"
  done
  name=$(basename "$IPTABLES_MULTI")
  for f in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    ln -sf "$name" "$rootfs/usr/sbin/$f"
  done
  ldconfig -r "$rootfs" 2>/dev/null || log "warning: ldconfig -r failed; the loader searches its default paths"
}

# The build output and wrappers; node_modules is not staged (10,000 small files are slow to
# write twice): rootfs_tar streams it from the checkout. Its parent folders are made here.
install_swarmlet() {
  local rootfs=$1 opt=$1/opt/swarmlet b p
  mkdir -p "$opt"
  repo_files | (cd "$ROOT" && tar --null -T - -cf -) | tar -C "$opt" -xf -
  for p in "${NODE_MODULES[@]}"; do mkdir -p "$opt/${p%/*}"; done
  for b in swarmlet swarmletd; do
    printf '#!/bin/sh\nexec node /opt/swarmlet/cmd/%s/dist/main.js "$@"\n' "$b" >"$rootfs/usr/local/bin/$b"
    chmod 0755 "$rootfs/usr/local/bin/$b"
  done
  install -m 0755 "$DEPLOY/entrypoint.sh" "$rootfs/usr/local/bin/swarmlet-node-entrypoint"
  install -m 0755 "$DEPLOY/healthcheck.sh" "$rootfs/usr/local/bin/swarmlet-node-health"
}

# The image's filesystem as one tar stream: the staged rootfs, then the production node_modules
# read from the checkout and renamed under opt/swarmlet/ (link targets untouched: the
# @swarmlet/* links stay ../../packages/...). Declarations, source maps and docs are left out.
rootfs_tar() {
  tar -C "$1" --numeric-owner -cf - . \
    -C "$ROOT" --transform 's,^node_modules/,opt/swarmlet/node_modules/,S' \
    --exclude='*.d.ts' --exclude='*.d.mts' --exclude='*.d.cts' --exclude='*.map' --exclude='*.md' \
    "${NODE_MODULES[@]}"
}

save_test_images() {
  local dir=$1/opt/swarmlet-images image
  mkdir -p "$dir"
  docker save -o "$dir/test-images.tar" "${TEST_IMAGES[@]}"
  for image in "${TEST_IMAGES[@]}"; do
    echo "$image $(docker image inspect -f '{{.Id}}' "$image")"
  done >"$dir/ids"
}

# Earlier node images that a running cluster kept from removal when they were replaced.
remove_untagged() {
  docker image prune -f --filter "label=$KIND_LABEL=node" >/dev/null 2>&1 || true
}

# Fails when the image cannot run its own tools: a missing library or package shows here.
verify_image() {
  local out
  out=$(docker run --rm --entrypoint /bin/sh "$IMAGE" -c '
    set -e
    swarmletd --help >/dev/null
    swarmlet --help >/dev/null
    dockerd --version && containerd --version && runc --version | head -n 1
    iptables -V && iptables-save -V >/dev/null && ip -V && docker --version
    test -s /opt/swarmlet-images/test-images.tar' 2>&1) || die "the new $IMAGE does not work: $out"
}

build() {
  local hash=$1 work old
  work=$(mktemp -d)
  # shellcheck disable=SC2064 # expand $work now
  trap "rm -rf '$work'" EXIT
  make_skeleton "$work/rootfs"
  install_host_files "$work/rootfs"
  install_busybox "$work/rootfs"
  install_swarmlet "$work/rootfs"
  save_test_images "$work/rootfs"
  old=$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
  rootfs_tar "$work/rootfs" |
    docker import \
      -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      -c 'ENTRYPOINT ["/usr/local/bin/swarmlet-node-entrypoint"]' \
      -c "LABEL $HASH_LABEL=$hash" -c "LABEL $KIND_LABEL=node" \
      -m "swarmlet test-cluster node (deploy/build-node-image.sh)" - "$IMAGE" >/dev/null
  if [[ -n $old && $old != "$(docker image inspect -f '{{.Id}}' "$IMAGE")" ]]; then
    docker image rm "$old" >/dev/null 2>&1 || true
  fi
  remove_untagged
  verify_image
}

main() {
  parse_args "$@"
  local start hash size
  start=$(now_ms)
  engine_answers || die "no Docker engine answers; run scripts/ensure-docker.sh first"
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.node-image.lock"
  flock -w 300 9 || die "another build holds $CACHE/.node-image.lock"
  ensure_inputs
  collect_host_files
  collect_node_modules
  hash=$(inputs_hash)
  if [[ $FORCE -eq 0 && $(image_label) == "$hash" ]]; then
    log "$IMAGE is up to date (hash ${hash:0:12}); skipping ($(elapsed_s "$start") s)"
    remove_untagged
    return 0
  fi
  log "building $IMAGE (${#HOST_FILES[@]} host files, ${#NODE_MODULES[@]} npm packages)"
  build "$hash"
  size=$(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }')
  log "built $IMAGE ($size, hash ${hash:0:12}) in $(elapsed_s "$start") s"
}

main "$@"
