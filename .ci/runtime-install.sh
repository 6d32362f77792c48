#!/usr/bin/env bash
# Proves that a production install works from requirements.txt alone: a fresh virtualenv with nothing else, a
# throw-away PostgreSQL database, a Celery worker on Redis and gunicorn with debug off, then a roster import through
# the API and an Excel export that runs as a background job, its file downloaded. Every step is bounded in time;
# any failure stops the script with a non-zero exit and the logs. Processes and the database are removed on exit.
#
# Needs PostgreSQL (PGHOST/PGPORT/PGUSER, default 127.0.0.1:5432 postgres) and Redis (RUNTIME_REDIS_URL, default
# redis://127.0.0.1:6379/0) running. Usage: bash .ci/runtime-install.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PYTHON=${PYTHON:-python3}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
ROWS=3

work=$(mktemp -d /tmp/talentportal-runtime.XXXXXX)
db="talentportal_runtime_$$"
pids=()
cleanup() {
  status=$?
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do [ -f "$log" ] && { echo "---- $log"; tail -n 60 "$log"; }; done
    echo "runtime install: FAILED"
  fi
  psql -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "runtime install: $*" >&2; exit 1; }
step() { echo "-- $*"; }

step "fresh virtualenv with requirements.txt only"
$PYTHON -m venv "$work/venv"
VENV="$work/venv/bin"
timeout 900 "$VENV/python" -m pip install --disable-pip-version-check -r requirements.txt >"$work/pip.log" 2>&1
timeout 60 "$VENV/python" -m pip check >>"$work/pip.log"
py() { "$VENV/python" "$@"; }

port=$(py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$port"
export DJANGO_SETTINGS_MODULE=talentportal.settings.base
export TALENTPORTAL_ENV_FILE="" TALENTPORTAL_VAR_DIR="$work/var"
export DJANGO_DEBUG=0 DJANGO_SECRET_KEY="runtime-$(py -c 'import secrets; print(secrets.token_urlsafe(40))')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1 DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SECURE_COOKIES=0 DJANGO_HSTS_SECONDS=0
export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$db"
export REDIS_URL=${RUNTIME_REDIS_URL:-redis://127.0.0.1:6379/0}
export CELERY_QUEUE="talentportal-runtime-$$"
export EXPORT_INLINE_MAX_ROWS=1  # every export goes to the worker
export DEMO_PASSWORD="runtime-pass-$$-2026"
export PYTHONUNBUFFERED=1

step "database $db: migrate, static files, an admin"
psql -q -d postgres -c "CREATE DATABASE $db" >/dev/null
timeout 300 "$VENV/python" manage.py migrate --noinput >"$work/migrate.log" 2>&1
timeout 300 "$VENV/python" manage.py collectstatic --noinput >"$work/collectstatic.log" 2>&1
timeout 60 "$VENV/python" manage.py shell -c "
from django.conf import settings
from talentportal.orgs.demo import seed_org_units
from talentportal.orgs.models import Membership, OrgUnit, Role, User
seed_org_units()
user = User.objects.create_user(username='ops_admin', password=settings.DEMO_PASSWORD, display_name='ops admin')
Membership.objects.create(user=user, org_unit=OrgUnit.objects.get(code='330400'), role=Role.ADMIN)
" >"$work/admin.log" 2>&1

step "a Celery worker on Redis (queue $CELERY_QUEUE) and gunicorn on $BASE"
"$VENV/celery" -A talentportal worker --pool=prefork --concurrency=1 -Q "$CELERY_QUEUE" --loglevel=INFO \
  -n "runtime-$$@%h" --without-mingle --without-gossip >"$work/worker.log" 2>&1 &
pids+=($!)
"$VENV/gunicorn" talentportal.wsgi -w 2 -b "127.0.0.1:$port" --timeout 60 >"$work/gunicorn.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do grep -q " ready\." "$work/worker.log" && break; sleep 1; done
grep -q " ready\." "$work/worker.log" || fail "the worker did not start"
grep -q "transport:   redis://" "$work/worker.log" || fail "the worker is not on Redis"
health=""
for _ in $(seq 60); do
  health=$(curl -s -m 10 "$BASE/health/" || true)
  [ "$(py -c 'import json, sys; print(json.loads(sys.argv[1] or "{}").get("status"))' "$health")" = ok ] && break
  sleep 1
done
echo "health: $health"
py -c 'import json, sys; assert json.loads(sys.argv[1])["status"] == "ok"' "$health" || fail "/health/ is not ok"

# One JSON field of a response; fails on anything else.
field() { py -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

step "an import through the API"
token=$(field "$(curl -sf -m 30 -d username=ops_admin -d "password=$DEMO_PASSWORD" "$BASE/api/v1/auth/token/")" token) \
  || fail "no API token"
auth=(-H "Authorization: Token $token")
timeout 60 "$VENV/python" manage.py shell -c "
import csv, datetime
from talents.validators import make_resident_id
with open('$work/roster.csv', 'w', newline='', encoding='utf-8') as f:
    out = csv.writer(f)
    out.writerow(['姓名', '证件号码', '人才类别', '人才层次', '所属区域'])
    for n in range(1, $ROWS + 1):
        birth = datetime.date(1985, 1, n)
        out.writerow([f'运行检查{n}', make_resident_id('330402', birth, n), '专业技术人才', '市级领军人才', '南湖区'])
" >"$work/roster.log" 2>&1
created=$(curl -sf -m 60 "${auth[@]}" -F kind=talents -F "file=@$work/roster.csv;filename=roster.csv" -F apply=true \
  "$BASE/api/v1/imports/") || fail "POST /api/v1/imports/ did not answer 202"
import_id=$(field "$created" id)
imp=""
for _ in $(seq 120); do
  imp=$(curl -sf -m 10 "${auth[@]}" "$BASE/api/v1/imports/$import_id/")
  case "$(field "$imp" status)" in applied | failed | refused) break ;; esac
  sleep 1
done
py -c '
import json, sys
imp = json.loads(sys.argv[1])
assert imp["status"] == "applied", imp
assert imp["counts"]["created"] == int(sys.argv[2]), imp["counts"]
print("import", imp["id"], "applied:", imp["counts"])
' "$imp" "$ROWS" || fail "the import did not apply"

step "an export that runs as a job"
jar="$work/cookies.txt"
curl -sf -m 30 -c "$jar" -b "$jar" "$BASE/accounts/login/" -o "$work/login.html"
csrf=$(py -c 'import re, sys; print(re.search(r"name=\"csrfmiddlewaretoken\" value=\"([^\"]+)\"", open(sys.argv[1]).read())[1])' \
  "$work/login.html")
curl -s -m 30 -c "$jar" -b "$jar" -o /dev/null -H "Referer: $BASE/accounts/login/" --data-urlencode "csrfmiddlewaretoken=$csrf" \
  -d username=ops_admin --data-urlencode "password=$DEMO_PASSWORD" "$BASE/accounts/login/"
location=$(curl -s -m 30 -b "$jar" -o /dev/null -w '%{redirect_url}' "$BASE/registry/talents/export/")
job_id=$(py -c 'import re, sys; print(re.search(r"/jobs/(\d+)/$", sys.argv[1])[1])' "$location") \
  || fail "the export did not start a job (redirect: $location)"
job=""
for _ in $(seq 120); do
  job=$(curl -sf -m 10 "${auth[@]}" "$BASE/api/v1/jobs/$job_id/")
  case "$(field "$job" status)" in succeeded | failed) break ;; esac
  sleep 1
done
[ "$(field "$job" status)" = succeeded ] || fail "the export job did not succeed: $job"
curl -sf -m 60 -b "$jar" -o "$work/export.xlsx" "$(field "$job" result_file)" || fail "the export file did not download"
py -c '
import sys
from openpyxl import load_workbook
rows = list(load_workbook(sys.argv[1], read_only=True).active.iter_rows(values_only=True))
assert len(rows) == int(sys.argv[2]) + 1, rows
print("export", len(rows) - 1, "rows downloaded")
' "$work/export.xlsx" "$ROWS" || fail "the export file is wrong"
grep -q "run_import\[.*\] succeeded" "$work/worker.log" || fail "the worker log shows no import"
echo "runtime install: passed"
