#!/usr/bin/env bash
# The API against its own OpenAPI schema: schemathesis sends generated requests (valid and invalid) to every
# operation and fails on a server error, an undocumented status code or an answer the schema does not describe.
#
# It runs on a throw-away portal: a new database (PostgreSQL when SCHEMATHESIS_DATABASE_URL names a server, e.g.
# postgres://postgres@127.0.0.1:5432, otherwise SQLite), a temporary var/ directory, the demo city, gunicorn on a
# free loopback port with debug off. Nothing of a developer's database, files or broker is touched; the
# database and the directory are dropped afterwards. Exit status: 0 only when schemathesis found nothing and the
# runner's login survived the run.
#
#   scripts/schemathesis.sh                 # or: make schemathesis
#   SCHEMATHESIS_MAX_EXAMPLES=50 SCHEMATHESIS_TIMEOUT=1200 scripts/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.venv/bin}
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-20}
TIMEOUT=${SCHEMATHESIS_TIMEOUT:-540}  # seconds for the schemathesis run itself
SERVER_URL=${SCHEMATHESIS_DATABASE_URL:-}

work=$(mktemp -d "${TMPDIR:-/tmp}/talentportal-schemathesis.XXXXXX")
database=""
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  if [ -n "$database" ]; then
    "$BIN/python" - "$SERVER_URL" "$database" drop <<'PY' || true
import sys, psycopg2
conn = psycopg2.connect(sys.argv[1].rstrip("/") + "/postgres")
conn.autocommit = True
conn.cursor().execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
PY
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The portal as production runs it, on its own files: no developer settings, no shared broker or cache.
export TALENTPORTAL_VAR_DIR="$work/var" TALENTPORTAL_ENV_FILE="" DJANGO_MEDIA_ROOT="$work/var/media"
export DJANGO_SETTINGS_MODULE=talentportal.settings.base
export DJANGO_DEBUG=0 DJANGO_SECRET_KEY="schemathesis-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1 DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SECURE_COOKIES=0 DJANGO_HSTS_SECONDS=0
# Rate limits stay on (429 is documented) but high enough not to turn the run into a run of 429s.
export API_THROTTLE_USER=100000/minute API_THROTTLE_ANON=100000/minute
export DJANGO_LOG_LEVEL=ERROR  # server errors with their traceback, not every 4xx
unset REDIS_URL DATABASE_URL CELERY_QUEUE TALENTPORTAL_BROKER_DIR
if [ -n "$SERVER_URL" ]; then
  database="talentportal_schemathesis_$$"
  "$BIN/python" - "$SERVER_URL" "$database" <<'PY'
import sys, psycopg2
conn = psycopg2.connect(sys.argv[1].rstrip("/") + "/postgres")
conn.autocommit = True
conn.cursor().execute(f'CREATE DATABASE "{sys.argv[2]}"')
PY
  export DATABASE_URL="${SERVER_URL%/}/$database"
fi

echo "== schemathesis: migrate and seed the demo city in ${database:-$work/var (SQLite)}"
"$BIN/python" manage.py migrate --noinput -v0
"$BIN/python" manage.py collectstatic --noinput -v0
"$BIN/python" manage.py seed_demo >/dev/null
token=$("$BIN/python" manage.py drf_create_token admin | awk '{print $3}')

port=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN/gunicorn" talentportal.wsgi:application --bind "127.0.0.1:$port" --workers 2 --timeout 120 \
  --log-level warning &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 60); do
  curl -sf -o /dev/null -H "Authorization: Token $token" "$base/api/schema/" && break
  sleep 1
done

echo "== schemathesis: every operation, at most $MAX_EXAMPLES examples each, ${TIMEOUT}s at most"
# Left out, because they would take the runner's own login away mid-run (delete, deactivate or demote the
# admin whose token every request carries): writes to a single user. Listing and creating users are tested.
status=0
timeout --signal=INT --kill-after=30 "$TIMEOUT" "$BIN/schemathesis" run "$base/api/schema/" \
  --header "Authorization: Token $token" \
  --checks not_a_server_error,status_code_conformance,response_schema_conformance \
  --max-examples "$MAX_EXAMPLES" \
  --exclude-operation-id-regex '^v1_users_(update|partial_update|destroy)$' \
  --phases examples,fuzzing --workers 2 --seed "${SCHEMATHESIS_SEED:-2026}" --no-color || status=$?

# A run that lost its login would pass on documented 401/403 answers: it must not count as a pass.
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Token $token" "$base/api/v1/org-units/")
if [ "$code" != "200" ]; then
  echo "schemathesis: the runner's token answers $code after the run; the results prove nothing"
  status=1
fi
if [ "$status" = 124 ]; then echo "schemathesis: stopped after ${TIMEOUT}s"; fi
exit "$status"
