#!/usr/bin/env bash
# App start-up time: process start to the first 200 on `/`, against a PostgreSQL cluster this script runs.
# The first start meets an empty database (schema creation); the later ones a ready one (an ordinary restart).
# Usage: bench/startup/run.sh [starts=6]   (after a Release build: ./hub build or dotnet build -c Release)
# HUB_STARTUP_SCHEMA=deploy applies the schema with `db-apply` first and starts with Database:ApplyChangesOnStart=false,
# as production runs; every start then meets a ready database.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
STARTS=${1:-6}
# HUB_STARTUP_DLL measures another build: an older version for a before/after pair, or the production publish output
# (dotnet publish src/ConstitutionHub.Web -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o DIR,
# as the Dockerfile builds it).
DLL=${HUB_STARTUP_DLL:-"$ROOT/src/ConstitutionHub.Web/bin/Release/net10.0/ConstitutionHub.Web.dll"}
[ -f "$DLL" ] || { echo "build Release first: $DLL is missing" >&2; exit 1; }
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

work=$(mktemp -d)
chmod 755 "$work"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$work/data" "$work/run"
[ "$(id -u)" -eq 0 ] && chown postgres "$work/data" "$work/run"
cleanup() {
  [ -n "${app_pid:-}" ] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
  as_pg "$BIN/pg_ctl" -D "$work/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
as_pg "$BIN/initdb" -D "$work/data" -U hub --auth=trust >/dev/null
as_pg "$BIN/pg_ctl" -D "$work/data" -l "$work/run/pg.log" -w -o "-k $work/run -c listen_addresses='' -p 5433" start >/dev/null
as_pg "$BIN/createdb" -h "$work/run" -p 5433 -U hub startup
export ConnectionStrings__Hub="Host=$work/run;Port=5433;Username=hub;Database=startup"
export ASPNETCORE_ENVIRONMENT=Production Hub__SeedBaseline=true

if [ "${HUB_STARTUP_SCHEMA:-}" = deploy ]; then
  dotnet "$DLL" db-apply > "$work/db-apply.log" 2>&1 || { cat "$work/db-apply.log"; exit 1; }
  export Database__ApplyChangesOnStart=false
fi

first="empty database"; [ "${HUB_STARTUP_SCHEMA:-}" = deploy ] && first="schema applied by db-apply, no data"
times=()
for i in $(seq 1 "$STARTS"); do
  port=$((5600 + i))
  start=$(date +%s%N)
  dotnet "$DLL" --urls "http://127.0.0.1:$port" > "$work/app-$i.log" 2>&1 &
  app_pid=$!
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/" 2>/dev/null)" = 200 ]; do
    kill -0 "$app_pid" 2>/dev/null || { cat "$work/app-$i.log"; echo "the app exited" >&2; exit 1; }
    sleep 0.02
  done
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  times+=("$ms")
  kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=
  echo "start $i: ${ms} ms$([ "$i" = 1 ] && echo " ($first)")"
done
warm=$(printf '%s\n' "${times[@]:1}" | sort -n)
median=$(echo "$warm" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
echo "start-up to first 200 on /: first ${times[0]} ms ($first), median of the next $((STARTS - 1)): ${median} ms"
