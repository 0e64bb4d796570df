#!/bin/sh
# Health probe of a swarmlet test-cluster node (installed as /usr/local/bin/swarmlet-node-health).
#
# Healthy = the inner Docker engine answers and swarmletd answers GET /v1/info on its unix socket,
# the request `swarmlet info` makes. The request is sent by a bare `node -e` (about 0.05 s of CPU)
# rather than the CLI (about 0.4 s: it loads every command): docker runs the probe every 2 s on
# each of 5 nodes, and with the CLI the probes alone kept one of the machine's 2 cores busy.
# `swarmlet-node-health --cli` runs the CLI instead.
set -eu
SOCKET=${SWARMLET_SOCKET:-/var/run/swarmlet.sock}

docker version --format '{{.Server.Version}}' >/dev/null
if [ "${1:-}" = --cli ]; then
  exec swarmlet info >/dev/null
fi
# shellcheck disable=SC2016 # JavaScript, not shell
exec node -e '
const req = require("node:http").get({ socketPath: process.argv[1], path: "/v1/info", timeout: 5000 }, (res) => {
  res.resume();
  process.exitCode = res.statusCode === 200 ? 0 : 1;
});
req.on("timeout", () => req.destroy(new Error("timeout")));
req.on("error", (err) => {
  console.error(`swarmletd: ${err.message}`);
  process.exitCode = 1;
});
' "$SOCKET"
