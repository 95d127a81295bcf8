#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests, on 127.0.0.1 and a free port,
# data under /tmp (MAGNETIS_PG_DIR). Trust authentication and fsync off: it
# holds nothing but test data.
#   scripts/pg-cluster.sh start   starts it (or finds it running), prints its connection string
#   scripts/pg-cluster.sh url     prints the connection string of the running cluster (exit 1 if none)
#   scripts/pg-cluster.sh stop    stops it and deletes its data
set -euo pipefail
dir=${MAGNETIS_PG_DIR:-/tmp/magnetis-pg-test}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] && command -v pg_ctl >/dev/null; then bin=$(dirname "$(command -v pg_ctl)"); fi

# initdb refuses root: as root, run the server as the postgres user.
as_owner=()
if [ "$(id -u)" = 0 ]; then as_owner=(runuser -u postgres --); fi

running () {
  [ -f "$dir/url" ] && [ -n "$bin" ] && "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

case "${1:-}" in
  start)
    if running; then cat "$dir/url"; exit 0; fi
    if [ -z "$bin" ]; then echo "pg-cluster: no PostgreSQL binaries (apt-get install -y postgresql)" >&2; exit 1; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    port=$(node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
    "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://postgres@127.0.0.1:$port/postgres" >"$dir/url"
    cat "$dir/url"
    ;;
  url)
    if running; then cat "$dir/url"; else exit 1; fi
    ;;
  stop)
    if [ -d "$dir/data" ] && [ -n "$bin" ]; then "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|url|stop" >&2
    exit 2
    ;;
esac
