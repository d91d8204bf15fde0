#!/usr/bin/env bash
# Runs Sluice's whole test suite on a fresh machine: checks formatting, the layering
# rules and lints first (fast failures), installs what the tests need (PostgreSQL,
# Chromium and chromedriver, Node.js and npm from Debian packages, Infisical's Python SDK,
# aiosmtpd and schemathesis from PyPI, Infisical's Node SDK and axe-core from npm),
# starts a throwaway PostgreSQL, then runs every test on SQLite and the database-backed
# tests again on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

log() { printf '\n=== %s\n' "$*"; }

# --- formatting and lints, before anything slow -----------------------------------
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  log "installing rustfmt and clippy"
  rustup component add rustfmt clippy
fi
log "cargo fmt --check"
cargo fmt --all -- --check
log "layers (scripts/check-layers.py)"
python3 scripts/check-layers.py
log "cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

# --- system packages -------------------------------------------------------------
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium chromium-driver)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v cargo-nextest >/dev/null 2>&1 || { log "installing cargo-nextest"; cargo install --locked cargo-nextest; }

# --- Infisical's official Python SDK, an SMTP server (aiosmtpd, the notification
# tests' mail receiver) and schemathesis (the schema-fuzzing suite), in a virtualenv -----
VENV=$ROOT/target/py-sdk
SCHEMATHESIS=4.32.5
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import infisical_sdk, aiosmtpd, schemathesis
assert schemathesis.__version__ == '$SCHEMATHESIS'" 2>/dev/null; then
  log "installing infisicalsdk==1.0.18, aiosmtpd==1.4.6 and schemathesis==$SCHEMATHESIS into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check 'infisicalsdk==1.0.18' 'aiosmtpd==1.4.6' "schemathesis==$SCHEMATHESIS"
fi
export SLUICE_TEST_PYTHON=$VENV/bin/python

# --- Infisical's official Node SDK, with npm -----------------------------------------
NODE_SDK=$ROOT/target/node-sdk
if ! node -e 'require(require.resolve("@infisical/sdk", {paths: [process.argv[1]]}))' "$NODE_SDK" 2>/dev/null \
  || [ "$(node -p 'require(process.argv[1] + "/node_modules/@infisical/sdk/package.json").version' "$NODE_SDK")" != 5.0.2 ]; then
  log "installing @infisical/sdk@5.0.2 into $NODE_SDK"
  mkdir -p "$NODE_SDK"
  (cd "$NODE_SDK" && npm install --no-audit --no-fund --silent @infisical/sdk@5.0.2)
fi
export SLUICE_TEST_NODE_SDK=$NODE_SDK

# --- axe-core (Deque's accessibility rules), with npm: the Chromium scan injects it -------
AXE_DIR=$ROOT/target/axe
AXE_VERSION=4.10.3
if [ "$(node -p 'require(process.argv[1] + "/node_modules/axe-core/package.json").version' "$AXE_DIR" 2>/dev/null)" != "$AXE_VERSION" ]; then
  log "installing axe-core@$AXE_VERSION into $AXE_DIR"
  mkdir -p "$AXE_DIR"
  (cd "$AXE_DIR" && npm install --no-audit --no-fund --silent "axe-core@$AXE_VERSION")
fi
export SLUICE_TEST_AXE=$AXE_DIR/node_modules/axe-core/axe.min.js

# --- a throwaway PostgreSQL ---------------------------------------------------------
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGPORT=${SLUICE_TEST_PGPORT:-55439}
PGDATA=$(mktemp -d /tmp/sluice-pg.XXXXXX)
as_pg() { if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$PGDATA"; runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
  -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
cleanup() { as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$PGDATA"; }
trap cleanup EXIT
PG_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"

export SLUICE_REQUIRE_EXTERNAL_TOOLS=1
export CHROMEDRIVER=${CHROMEDRIVER:-$(command -v chromedriver)}
export CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}

log "build"
cargo build --workspace --all-targets

log "tests on SQLite"
cargo nextest run --workspace --no-fail-fast

log "database-backed tests on PostgreSQL"
SLUICE_TEST_PGDATA=$PGDATA SLUICE_TEST_DATABASE_URL=$PG_URL SLUICE_TEST_POSTGRES_URL=$PG_URL cargo nextest run --workspace --no-fail-fast \
  -E 'kind(test) & !package(sluice-railway-fake) & !package(sluice-destinations) & !package(sluice-domain) & !package(sluice-crypto)'

log "all tests passed"
