#!/usr/bin/env bash
# Start the demo: migrate, load the demo ecosystem once, run web server and worker.
set -euo pipefail
cd "$(dirname "$0")/.."
export KINDRED_DEBUG="${KINDRED_DEBUG:-1}"
PORT="${PORT:-8000}"
kindred=.venv/bin/kindred
mkdir -p var
$kindred migrate --noinput -v0
$kindred createcachetable
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

TEXT
$kindred worker &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
$kindred serve --port "$PORT"
