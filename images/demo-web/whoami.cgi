#!/bin/sh
# CGI run by busybox httpd per request; httpd's environment (SWARMLET_*) is inherited.
printf 'Content-Type: text/plain\r\n\r\n'
printf 'replica %s\ntask %s\nservice %s\nnode %s\ncontainer %s\nclient %s:%s\n' \
  "${DEMO_WEB_REPLICA:-}" "${SWARMLET_TASK_ID:-}" "${SWARMLET_SERVICE_NAME:-}" \
  "${SWARMLET_NODE_ID:-}" "$(hostname)" "${REMOTE_ADDR:-}" "${REMOTE_PORT:-}"
