#!/usr/bin/env bash
# One database per service (a service reads only its own), owned by $POSTGRES_USER.
# The postgres image runs this once, on an empty data directory; re-running it changes nothing.
set -euo pipefail

: "${OFFCAMPUS_DATABASES:?list the service databases to create, e.g. 'registry inspection complaints reporting'}"

for database in ${OFFCAMPUS_DATABASES}; do
  # \gexec runs the generated statement only when the database is missing: CREATE DATABASE has no IF NOT EXISTS.
  psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER}" --dbname "${POSTGRES_DB:-${POSTGRES_USER}}" \
    --set=database="${database}" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'database', current_user)
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database')\gexec
-- Other roles on the server (monitoring, a future per-service role) must be granted CONNECT explicitly.
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', :'database')\gexec
SQL
  echo "offcampus: database ${database} is ready"
done
