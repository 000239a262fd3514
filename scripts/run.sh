#!/usr/bin/env bash
# Start Kindred: migrate, load the demo ecosystem once, run web server and worker.
# KINDRED_DEMO=0 (make run DEMO=0) starts a new ecosystem instead, without the
# demo: migrate prints a one-time setup key for the first-run page, /launch/.
set -euo pipefail
cd "$(dirname "$0")/.."
export KINDRED_DEBUG="${KINDRED_DEBUG:-1}"
export KINDRED_DEMO="${KINDRED_DEMO:-1}"
PORT="${PORT:-8000}"
kindred=.venv/bin/kindred
mkdir -p var
$kindred migrate --noinput -v0
$kindred createcachetable
if [ "$KINDRED_DEMO" = "0" ]; then
cat <<TEXT

  Kindred is running on http://127.0.0.1:${PORT} (a new ecosystem, no demo)
  Open http://127.0.0.1:${PORT}/launch/ to create the steward account, with the
  setup key printed above (only while the ecosystem has no steward; a lost key:
  .venv/bin/kindred setup --key). The launch, step by step: docs/first-hour.md
  Emails (invitations, verification) are printed here.  Ctrl-C stops everything.

TEXT
else
$kindred demo --if-empty
cat <<TEXT

  Kindred is running on http://127.0.0.1:${PORT}
  Demo logins (password: kindred-demo):
    steward@example.org         the ecosystem steward (steward console)
    adviser@example.org         a business adviser at Northshire Growth Hub
    programme.lead@example.org  admin of Mindful Founders CIC
    mentor@example.org          a mentor at the University
    founder@example.org         a founder looking for help
  Emails (verification, invitations) are printed here.  Ctrl-C stops everything.
  A new ecosystem without the demo: make run DEMO=0 (on an empty database).

TEXT
fi
$kindred worker &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
$kindred serve --port "$PORT"
