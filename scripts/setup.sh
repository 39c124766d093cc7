#!/usr/bin/env bash
# Prepare a machine for Panjereh: system packages, a Python that can load SpatiaLite, the virtualenv.
# Called by `make run` and `make test`; safe to run again (it only does what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
# redis-server: the two-server test (tests/ops) starts a Redis of its own with it
SYSTEM_PACKAGES="gdal-bin libgdal-dev libsqlite3-mod-spatialite python3-venv gettext libpango-1.0-0 libpangoft2-1.0-0 redis-server"
# npm installs the front-end assets Panjereh serves itself (map library, font); Debian's npm brings Node.js.
command -v npm >/dev/null 2>&1 || SYSTEM_PACKAGES="$SYSTEM_PACKAGES npm"

missing=()
for pkg in $SYSTEM_PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing system packages: ${missing[*]} …"
    started=$SECONDS
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    echo "setup: system packages installed in $((SECONDS - started)) s"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    echo "setup: installing system packages with sudo: ${missing[*]}"
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: these system packages are missing and this user may not install them:" >&2
    echo "    sudo apt-get install -y ${missing[*]}" >&2
    echo "setup: run that command, then run make again." >&2
    exit 1
  fi
fi

can_load() {  # does this Python's sqlite3 load extensions (mod_spatialite)?
  "$1" -c "import sqlite3, sys; c = sqlite3.connect(':memory:'); sys.exit(0 if hasattr(c, 'enable_load_extension') else 1)" 2>/dev/null
}

if [ ! -x "$VENV/bin/python" ]; then
  chosen=""
  for candidate in ${PYTHON:-} /usr/bin/python3 python3; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || continue
    if can_load "$candidate"; then chosen="$candidate"; break; fi
  done
  if [ -n "$chosen" ]; then
    echo "setup: using $chosen ($("$chosen" --version)), whose sqlite3 can load SpatiaLite"
    "$chosen" -m venv "$VENV"
  else
    fallback=$(command -v python3)
    echo "setup: no Python here can load SQLite extensions; using $fallback with pysqlite3-binary in place of sqlite3"
    "$fallback" -m venv "$VENV"
    "$VENV/bin/pip" install -q pysqlite3-binary
  fi
fi

stamp="$VENV/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing Panjereh and its Python dependencies into $VENV …"
  started=$SECONDS
  "$VENV/bin/pip" install -q --upgrade pip
  # Shapely and pyogrio are wheels, each with its own GEOS / GDAL beside the system's that GeoDjango and
  # SpatiaLite load. Building them from source against the system libraries took 2–3 minutes of a fresh set-up;
  # with the wheels the whole suite passes on both databases (docs/operations.md, "Set-up"), so the build is
  # kept only for a machine that needs it: PANJEREH_GEO_FROM_SOURCE=1.
  if [ -n "${PANJEREH_GEO_FROM_SOURCE:-}" ]; then
    wheels=$(mktemp -d)
    echo "setup: building shapely and pyogrio against the system GEOS/GDAL (PANJEREH_GEO_FROM_SOURCE) …"
    "$VENV/bin/pip" wheel -q --no-deps --no-binary shapely -w "$wheels" "shapely>=2.1" >"$wheels/shapely.log" 2>&1 &
    shapely_build=$!
    "$VENV/bin/pip" wheel -q --no-deps --no-binary pyogrio -w "$wheels" "pyogrio>=0.9" >"$wheels/pyogrio.log" 2>&1 &
    pyogrio_build=$!
    wait "$shapely_build" || { cat "$wheels/shapely.log" >&2; exit 1; }
    wait "$pyogrio_build" || { cat "$wheels/pyogrio.log" >&2; exit 1; }
    "$VENV/bin/pip" install -q "$wheels"/*.whl
    rm -rf "$wheels"
    echo "setup: built from source in $((SECONDS - started)) s"
  fi
  "$VENV/bin/pip" install -q -e ".[test]"
  echo "setup: Python dependencies ready in $((SECONDS - started)) s"
  rm -f "$VENV"/.installed-* && touch "$stamp"
fi

# Front-end assets from the npm registry (package-lock.json pins them); served by Panjereh, never committed.
npm_stamp="node_modules/.installed-$(sha1sum package-lock.json | cut -c1-12)"
if [ ! -f "$npm_stamp" ]; then
  echo "setup: installing the map library and the Persian font from npm …"
  started=$SECONDS
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  touch "$npm_stamp"
  echo "setup: front-end assets ready in $((SECONDS - started)) s"
fi

# The pages' translations: gettext catalogues compiled from the .po files in the repository (the .mo files
# are build output, never committed).
for po in src/panjereh/locale/*/LC_MESSAGES/*.po; do
  mo="${po%.po}.mo"
  if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then
    msgfmt --check-format -o "$mo" "$po"
  fi
done
