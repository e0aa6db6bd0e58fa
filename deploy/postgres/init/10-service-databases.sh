#!/bin/sh
# One database and one login role per service, created on the first start of an empty
# PostgreSQL volume (the official image runs /docker-entrypoint-initdb.d/*.sh once).
#
# Each service owns its database and can reach no other: a service's password comes from
# <SERVICE>_DB_PASSWORD in the environment and the init refuses to run without it.
# Databases sort Vietnamese text correctly (ICU collation vi-VN: "An, ăn, Ân, ..., Dương, Đông").
#
# Also usable by hand on an existing server (see deploy/OPERATIONS.md):
#   PGHOST=... PGUSER=postgres RELIGION_DB_PASSWORD=... sh 10-service-databases.sh
set -eu

services="${DANVAN_SERVICES:-indicators religion dialogue reporting}"
admin="${POSTGRES_USER:-${PGUSER:-postgres}}"

for service in $services; do
    variable="$(printf '%s' "$service" | tr '[:lower:]-' '[:upper:]_')_DB_PASSWORD"
    password="$(printenv "$variable" || true)"
    if [ -z "$password" ]; then
        echo "Thiếu mật khẩu cơ sở dữ liệu: đặt biến môi trường $variable" >&2
        exit 1
    fi
    # psql variables (:"name" identifiers, :'value' literals) keep the password out of
    # the shell and out of the process list.
    psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$admin" --dbname postgres \
        -v service="$service" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'service', :'password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'service') \gexec
SELECT format(
    'CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING %L '
    'LOCALE_PROVIDER icu ICU_LOCALE %L LOCALE %L',
    :'service', :'service', 'UTF8', 'vi-VN', 'C'
)
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'service') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'service') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'service', :'service') \gexec
SQL
    echo "Cơ sở dữ liệu $service: sẵn sàng"
done
