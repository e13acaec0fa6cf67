#!/usr/bin/env bash
# A private PostgreSQL 15 + PostGIS 3 cluster for tests and benchmarks (Debian packages).
#   benchmarks/postgis.sh install          install postgresql-15-postgis-3 if missing
#   benchmarks/postgis.sh start DIR PORT   init (if needed) and start a cluster in DIR on 127.0.0.1:PORT,
#                                          with a database "indus" that has the postgis extension;
#                                          prints the connection string
#   benchmarks/postgis.sh stop DIR         stop it
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-}" in
install)
	if [ ! -x "$PGBIN/initdb" ] || [ ! -f /usr/share/postgresql/15/extension/postgis.control ]; then
		SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
		$SUDO apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql-15-postgis-3 >/dev/null
	fi
	;;
start)
	dir=$2 port=$3
	mkdir -p "$dir"
	if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; chmod 700 "$dir"; fi
	if [ ! -f "$dir/PG_VERSION" ]; then
		as_pg "$PGBIN/initdb" -D "$dir" -A trust -U postgres >/dev/null
	fi
	as_pg "$PGBIN/pg_ctl" -D "$dir" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=256MB" start >/dev/null
	psql="psql -h 127.0.0.1 -p $port -U postgres -v ON_ERROR_STOP=1 -q"
	$psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='indus'" | grep -q 1 || $psql -d postgres -c "CREATE DATABASE indus"
	$psql -d indus -c "CREATE EXTENSION IF NOT EXISTS postgis"
	echo "host=127.0.0.1 port=$port user=postgres dbname=indus"
	;;
stop)
	as_pg "$PGBIN/pg_ctl" -D "$2" -m fast -w stop >/dev/null || true
	;;
*)
	echo "usage: $0 install | start DIR PORT | stop DIR" >&2
	exit 2
	;;
esac
