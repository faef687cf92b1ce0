#!/bin/sh
# One-shot step of docker-compose.yml: create Temporal's two PostgreSQL databases and bring
# their schemas up to the version of this admin-tools image. Safe to run again: existing
# databases are kept and only newer schema versions are applied, so the same step upgrades
# the schema when the server and admin-tools images are bumped together.
#
#   SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD  how temporal-sql-tool reaches PostgreSQL
#   TEMPORAL_DB, TEMPORAL_VISIBILITY_DB        database names (default temporal, temporal_visibility)
set -eu

: "${SQL_HOST:?SQL_HOST is required}"
: "${SQL_USER:?SQL_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required}"
export SQL_PLUGIN=postgres12
export SQL_PORT="${SQL_PORT:-5432}"
SCHEMA=/etc/temporal/schema/postgresql/v12

setup() { # DATABASE SCHEMA_DIR
  echo "database $1: create if missing, then update the schema from $2"
  temporal-sql-tool --db "$1" create
  temporal-sql-tool --db "$1" setup-schema -v 0.0
  temporal-sql-tool --db "$1" update-schema -d "$2"
}

attempt=1
until nc -z -w 5 "$SQL_HOST" "$SQL_PORT"; do
  if [ "$attempt" -ge 60 ]; then
    echo "PostgreSQL at $SQL_HOST:$SQL_PORT is not reachable" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done

setup "${TEMPORAL_DB:-temporal}" "$SCHEMA/temporal/versioned"
setup "${TEMPORAL_VISIBILITY_DB:-temporal_visibility}" "$SCHEMA/visibility/versioned"
echo "Temporal's schema is up to date"
