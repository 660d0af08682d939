#!/usr/bin/env bash
# Starts a PostgreSQL server on 127.0.0.1:5432 (user postgres, password postgres)
# for the crash tests. With --install, first installs Debian's postgresql if it
# is missing (root, as in CI). Safe to run when the server is already up.
set -euo pipefail

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  if [ "${1:-}" != "--install" ]; then
    echo "start-postgres: postgresql is not installed (run with --install as root)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | grep -q "^${version} main"; then
  pg_createcluster "$version" main >/dev/null
fi
if ! pg_lsclusters -h | grep -q "^${version} main .* online"; then
  pg_ctlcluster "$version" main start
fi
for _ in $(seq 1 50); do
  if su postgres -c "pg_isready -q -h 127.0.0.1 -p 5432" 2>/dev/null; then break; fi
  sleep 0.2
done
su postgres -c "psql -q -h /var/run/postgresql -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
echo "start-postgres: PostgreSQL ${version} is up on 127.0.0.1:5432"
