#!/bin/sh
# Runs once, when the postgres container initialises an empty data volume: the app's role
# and database, and Temporal's role (Temporal's schema step creates its own two databases).
# Changing a password later takes `ALTER ROLE ... PASSWORD ...`; see docs/deploy.md.
set -eu

: "${APP_DB_PASSWORD:?APP_DB_PASSWORD is required}"
: "${TEMPORAL_DB_PASSWORD:?TEMPORAL_DB_PASSWORD is required}"

psql --no-psqlrc -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  --set app_password="$APP_DB_PASSWORD" \
  --set temporal_password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE pressrun LOGIN PASSWORD :'app_password';
CREATE DATABASE pressrun OWNER pressrun;
CREATE ROLE temporal LOGIN CREATEDB PASSWORD :'temporal_password';
SQL
