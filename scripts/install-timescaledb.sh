#!/usr/bin/env bash
# Builds TimescaleDB (Apache edition) from Debian 13's source package against the local PostgreSQL,
# preloads it and restarts the cluster. Idempotent: exits at once when the extension is already there.
# Never edits the system's apt sources: the trixie deb-src line lives in a private list under $WORK.
set -euo pipefail

PG_MAJOR="${PG_MAJOR:-$(ls /etc/postgresql | sort -n | tail -n 1)}"
PG_CONFIG="/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config"
CONF_FILE="/etc/postgresql/${PG_MAJOR}/main/conf.d/50-timescaledb.conf"
WORK="${TIMESCALEDB_BUILD_DIR:-/var/tmp/iotlog-timescaledb}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

log() { printf '[install-timescaledb] %s\n' "$*"; }

pg_running() { pg_isready -h 127.0.0.1 -p 5432 -q; }
start_pg() { $SUDO pg_ctlcluster --skip-systemctl-redirect "$PG_MAJOR" main "$1"; }
preloaded() { [ -f "$CONF_FILE" ] && grep -q timescaledb "$CONF_FILE"; }

control_file="$("$PG_CONFIG" --sharedir)/extension/timescaledb.control"
if [ -f "$control_file" ] && preloaded; then
  version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$control_file")
  log "timescaledb already installed (${version})"
  pg_running || start_pg start
  exit 0
fi

if [ ! -f "$control_file" ]; then
  log "building timescaledb from Debian 13 (trixie) source for PostgreSQL ${PG_MAJOR}"
  # The system's main archive address: a 'URIs:' line (deb822) or a 'deb URL suite' line, never -security.
  mirror=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
    awk '/^URIs:/ { print $2 } /^deb / { print ($2 ~ /^\[/ ? $3 : $2) }' | grep -v security | sed -n '1s:/*$::p' || true)
  [ -n "$mirror" ] || { log "no Debian mirror found in /etc/apt/sources.list(.d)"; exit 1; }
  mkdir -p "$WORK/lists/partial" "$WORK/src"
  echo "deb-src [trusted=yes] ${mirror} trixie main" > "$WORK/trixie-src.list"
  apt_opts=(-o "Dir::Etc::SourceList=$WORK/trixie-src.list" -o Dir::Etc::SourceParts=/nonexistent
            -o "Dir::State::Lists=$WORK/lists" -o APT::Sandbox::User=root)
  # Build dependencies come from the system's own (bookworm) lists; refresh them if they are empty or stale.
  if ! apt-cache policy "postgresql-server-dev-${PG_MAJOR}" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    $SUDO apt-get update -qq
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "postgresql-server-dev-${PG_MAJOR}" cmake make gcc libssl-dev >/dev/null
  $SUDO apt-get "${apt_opts[@]}" update -qq
  (cd "$WORK/src" && rm -rf ./* && apt-get "${apt_opts[@]}" source --download-only timescaledb)
  tarball=$(ls "$WORK"/src/timescaledb_*.orig.tar.* | head -n 1)
  rm -rf "$WORK/build" && mkdir -p "$WORK/build"
  tar -xf "$tarball" -C "$WORK/build" --strip-components=1
  (cd "$WORK/build" && ./bootstrap -DAPACHE_ONLY=1 -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF \
      -DWARNINGS_AS_ERRORS=OFF -DPG_CONFIG="$PG_CONFIG" >/dev/null && $SUDO make -C build -j"$(nproc)" install >/dev/null)
fi

log "preloading timescaledb in ${CONF_FILE} and restarting PostgreSQL ${PG_MAJOR}"
echo "shared_preload_libraries = 'timescaledb'" | $SUDO tee "$CONF_FILE" >/dev/null
echo "timescaledb.telemetry_level = off" | $SUDO tee -a "$CONF_FILE" >/dev/null
if pg_running; then start_pg restart; else start_pg start; fi
for _ in $(seq 1 30); do pg_running && break; sleep 1; done
pg_running || { log "PostgreSQL did not come back after the restart"; exit 1; }
log "timescaledb installed ($(sed -n "s/^default_version = '\(.*\)'/\1/p" "$control_file"))"
