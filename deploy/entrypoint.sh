#!/bin/sh
# The processes of the image (and of the README's "Going to production", which runs the same):
#   serve     migrate, then the API: the single-container default (SQLite, worker in the process)
#   migrate   apply the migrations and load the bundled reference data where none is loaded
#   api       the API: uvicorn with WEB_CONCURRENCY processes on API_HOST:API_PORT
#   worker    timers, the Schuldenknooppunt mailbox and deliveries (`wdv worker`; run several)
#   sandbox   migrate, then the sandbox organisations (keys printed once) and peer channels
#   anything else runs as given: `wdv deliveries failed`, `sh`, …
set -eu

migrate() {
  wdv db upgrade
  wdv routing load-default
}

api() {
  if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    # multiprocess metrics: start from an empty directory, as prometheus-client requires
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    find "$PROMETHEUS_MULTIPROC_DIR" -mindepth 1 -delete
  fi
  exec uvicorn --factory app.main:create_app \
    --host "${API_HOST:-0.0.0.0}" --port "${API_PORT:-8000}" --workers "${WEB_CONCURRENCY:-1}" \
    --proxy-headers --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" --no-server-header \
    --h11-max-incomplete-event-size 16384
}

command="${1:-serve}"
case "$command" in
  serve) migrate; api ;;
  migrate) migrate ;;
  api) api ;;
  worker) exec wdv worker ;;
  sandbox) migrate; exec wdv sandbox ;;
  *) exec "$@" ;;
esac
