#!/bin/sh
# Entrypoint of swarmlet/demo-web. Serves on $PORT (default 80) from $DEMO_WEB_DIR:
#   /                 "hello from <service>.<slot> (task <id>, container <hostname>)"
#   /health           "ok"
#   /cgi-bin/whoami   per-request: replica, task, node, container and the client's address
# The SWARMLET_* variables are set by the swarmlet executor on every container.
set -eu
dir=${DEMO_WEB_DIR:-/tmp/www}
slot=${SWARMLET_TASK_SLOT:-0}
[ "$slot" != 0 ] || slot=${SWARMLET_NODE_ID:-0}
replica="${SWARMLET_SERVICE_NAME:-demo-web}.$slot"
mkdir -p "$dir/cgi-bin"
printf 'hello from %s (task %s, container %s)\n' "$replica" "${SWARMLET_TASK_ID:-none}" "$(hostname)" >"$dir/index.html"
echo ok >"$dir/health"
cp /usr/local/share/demo-web/whoami.cgi "$dir/cgi-bin/whoami"
chmod 755 "$dir/cgi-bin/whoami"
export DEMO_WEB_REPLICA="$replica"
echo "demo-web: $replica listening on port ${PORT:-80}"
# httpd as PID 1 would ignore SIGTERM; this shell forwards it so `docker stop` is prompt.
# Exit 0 on a requested stop, so restart condition "on-failure" does not count it.
set +e
trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid"; exit 0' TERM INT
busybox httpd -f -p "${PORT:-80}" -h "$dir" "$@" &
pid=$!
wait "$pid"
