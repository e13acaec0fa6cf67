#!/usr/bin/env bash
# Installs PostgreSQL 15 + PostGIS 3 from Debian when missing (make pg-deps). Tests, benchmarks and
# the replica demo start private clusters with data/postgres, which finds the binaries through
# pg_config.
set -euo pipefail
if ! command -v pg_config >/dev/null || [ ! -x "$(pg_config --bindir)/initdb" ] ||
	[ ! -f "$(pg_config --sharedir)/extension/postgis.control" ]; then
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql-15-postgis-3 >/dev/null
fi
