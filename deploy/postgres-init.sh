#!/bin/sh
# Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d):
# the owner role, which runs migrations and deploy/roles.sql, and the database it owns.
set -eu
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -v pw="$ISINDEX_OWNER_PASSWORD" <<'SQL'
CREATE ROLE isindex_owner LOGIN CREATEROLE PASSWORD :'pw';
CREATE DATABASE isindex OWNER isindex_owner;
SQL
