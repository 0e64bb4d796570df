#!/usr/bin/env bash
# Everything a fresh machine needs before swarmlet runs or its tests pass:
# npm dependencies, the TypeScript build, a Docker engine, and the registry-free images.
#
# Usage: scripts/setup.sh        (idempotent; each step skips what is already done)
set -euo pipefail

SCRIPT_NAME=setup
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v node >/dev/null || die "Node.js 20 or newer is required (apt-get install nodejs, or see https://nodejs.org)"
major=$(node -p 'process.versions.node.split(".")[0]')
[[ "$major" -ge 20 ]] || die "Node.js 20 or newer is required; this is $(node --version)"

t=$(now_ms)
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  # `npm install`, not `npm ci`: npm 11 writes lock entries only for this platform's optional
  # native bindings (npm/cli#4828, #8320), and `npm ci` then refuses the lock. `npm install`
  # installs what the lock pins and leaves it unchanged.
  log "installing npm dependencies (npm install, as pinned by package-lock.json)"
  npm install --no-audit --no-fund --loglevel=error
fi
log "building (tsc -b)"
npx tsc -b
log "npm + build: $(elapsed_s "$t") s"

bash scripts/ensure-docker.sh
bash scripts/build-images.sh --no-ensure
log "set-up done in $(elapsed_s "$t") s"
