#!/usr/bin/env bash
# `make run`: the demo deployment — the demo city, its demo users, the fake bank gateway (PSP), the fake SMS
# provider and the outbox worker, then gunicorn.
# PANJEREH_DEMO=1 is what allows the fake PSP to start at all; a city's own deployment never sets it.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
export PANJEREH_DEMO=1
mkdir -p "$PANJEREH_VAR_DIR"
chmod 700 "$PANJEREH_VAR_DIR"
# the address text messages and papers link to (the demo history's messages are written at its first start)
export PANJEREH_PUBLIC_URL="http://${HOST:-127.0.0.1}:${PORT:-8000}"
step() {  # one step of the set-up, said before it starts and timed when it ends
  local what=$1; shift
  local started=$SECONDS
  echo "make run: $what …"
  "$@"
  echo "make run: $what: done in $((SECONDS - started)) s"
}
step "database tables" "$BIN/panjereh" migrate --noinput -v0
step "cache table" "$BIN/panjereh" createcachetable
step "demo city, its people and a year of files (first run only)" \
  "$BIN/panjereh" democity --if-empty --parcels "${DEMO_PARCELS:-100000}" --history-months "${DEMO_HISTORY_MONTHS:-12}"
# Without what the npm packages ship for developers (source maps, development and CSP builds, type
# declarations, CommonJS copies): they were 74 of the 92 MB collected and compressed, and no page asks for them.
step "static files" "$BIN/panjereh" collectstatic --noinput -v0 --ignore "*.map" --ignore "*-dev.js" \
  --ignore "*.d.ts" --ignore "*.cjs" --ignore "maplibre-gl-csp*"

# The fakes' keys: each made once, kept in var/ (never in the repo).
demo_key() {
  local file="$PANJEREH_VAR_DIR/$1_demo_key"
  [ -s "$file" ] || (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$file")
  cat "$file"
}
# The bank: PANJEREH_PSP=mellat or sep runs that bank's own protocol against its fake (json: the generic one).
export PANJEREH_PSP="${PANJEREH_PSP:-json}"
export PANJEREH_PSP_KEY; PANJEREH_PSP_KEY=$(demo_key psp)
export PANJEREH_PSP_URL="http://127.0.0.1:${PSP_PORT:-8010}"
case "$PANJEREH_PSP" in
  mellat) export PANJEREH_PSP_TERMINAL=6011 PANJEREH_PSP_USERNAME=demo-user
          "$BIN/python" -m panjereh.billing.fakemellat --port "${PSP_PORT:-8010}" --terminal 6011 --username demo-user & ;;
  sep)    export PANJEREH_PSP_TERMINAL=12345678
          "$BIN/python" -m panjereh.billing.fakesep --port "${PSP_PORT:-8010}" --terminal 12345678 & ;;
  *)      export PANJEREH_PSP_TERMINAL=demo-terminal
          "$BIN/python" -m panjereh.billing.fakepsp --port "${PSP_PORT:-8010}" & ;;
esac
psp=$!

# The fake SMS provider (its key made once, like the PSP's) and the worker that sends the outbox: the
# agencies' webhooks and the applicants' text messages.
export PANJEREH_SMS_KEY; PANJEREH_SMS_KEY=$(demo_key sms)
export PANJEREH_SMS_URL="http://127.0.0.1:${SMS_PORT:-8011}" PANJEREH_SMS_SENDER=3000
"$BIN/python" -m panjereh.sms.fakesms --port "${SMS_PORT:-8011}" &
sms=$!
# The fake mobile-ownership inquiry: every mobile "belongs" to the national ID typed, in the demo.
export PANJEREH_IDENTITY_KEY; PANJEREH_IDENTITY_KEY=$(demo_key identity)
export PANJEREH_IDENTITY_URL="http://127.0.0.1:${IDENTITY_PORT:-8012}"
"$BIN/python" -m panjereh.citizens.fakeidentity --port "${IDENTITY_PORT:-8012}" &
identity=$!
# The fake postal-code address inquiry: the application form's address comes from it.
export PANJEREH_ADDRESS_KEY; PANJEREH_ADDRESS_KEY=$(demo_key address)
export PANJEREH_ADDRESS_URL="http://127.0.0.1:${ADDRESS_PORT:-8015}"
"$BIN/python" -m panjereh.citizens.fakeaddress --port "${ADDRESS_PORT:-8015}" &
address=$!
"$BIN/panjereh" worker &
worker=$!
trap 'kill $psp $sms $identity $address $worker 2>/dev/null || true' EXIT INT TERM

echo "Panjereh (demo): http://${HOST:-127.0.0.1}:${PORT:-8000}/  (OGC API: /ogc/, REST: /api/v1/docs/);" \
     "fake bank gateway: $PANJEREH_PSP_URL; fake SMS provider: $PANJEREH_SMS_URL/_sent"
"$BIN/gunicorn" panjereh.wsgi --bind "${HOST:-127.0.0.1}:${PORT:-8000}" --workers "${WORKERS:-3}" --access-logfile -
