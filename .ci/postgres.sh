#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, the benchmarks and CI: Debian's `postgresql` binaries, a new
# cluster in a directory of its own, listening on a free loopback port only, trusting local connections.
#
#   .ci/postgres.sh install      installs Debian's postgresql when no server binaries are found
#   .ci/postgres.sh start DIR    creates and starts a cluster in DIR (new or empty); prints its URL on stdout:
#                                postgres://crossdock@127.0.0.1:PORT/crossdock
#   .ci/postgres.sh stop DIR     stops it and removes DIR
#   .ci/postgres.sh bindir       prints the directory of the server binaries (exit 1 when there are none)
#
# PostgreSQL refuses to run as root: as root, the cluster runs as the `postgres` user (the package creates it).
set -euo pipefail

bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"; return 0
  fi
  return 1
}

# Runs a server binary as the cluster's user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  bindir)
    bindir
    ;;
  install)
    if bindir >/dev/null; then exit 0; fi
    as_root=()
    [ "$(id -u)" -eq 0 ] || as_root=(sudo)
    # Only the binaries: no cluster of the package's own, no service started.
    "${as_root[@]}" mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' | "${as_root[@]}" tee /etc/postgresql-common/createcluster.conf >/dev/null
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bindir >/dev/null
    ;;
  start)
    dir="${2:?usage: postgres.sh start DIR}"
    bin="$(bindir)" || { echo "no PostgreSQL server binaries: run .ci/postgres.sh install" >&2; exit 1; }
    mkdir -p "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
    port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
    as_owner "$bin/initdb" -D "$dir/data" -U crossdock -A trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U crossdock crossdock 2>/dev/null ||
      as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U crossdock crossdock
    echo "postgres://crossdock@127.0.0.1:$port/crossdock"
    ;;
  stop)
    dir="${2:?usage: postgres.sh stop DIR}"
    if [ -d "$dir/data" ] && bin="$(bindir)"; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 install | start DIR | stop DIR | bindir" >&2
    exit 2
    ;;
esac
