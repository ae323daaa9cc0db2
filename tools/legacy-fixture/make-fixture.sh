#!/usr/bin/env bash
# Regenerates the import tests' fixture, tests/ConstitutionHub.Core.Tests/Import/legacy-v1.sql: a plain-SQL dump of
# a database written by the hand-written event store (the code before Marten), exercising every event type.
# Builds Program.cs against that old commit's source, in a temporary folder; touches nothing else.
# Usage: tools/legacy-fixture/make-fixture.sh [commit]   (default: 19240ba, the last commit before Marten)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
COMMIT=${1:-19240ba}
OUT="$ROOT/tests/ConstitutionHub.Core.Tests/Import/legacy-v1.sql"
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

work=$(mktemp -d)
chmod 755 "$work" # the server runs as the postgres user when we are root
cleanup() { [ -n "${fixture_pid:-}" ] && kill "$fixture_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/src"
git archive "$COMMIT" | tar -x -C "$work/src"
mkdir -p "$work/src/tools/legacy-fixture"
cp tools/legacy-fixture/LegacyFixture.csproj tools/legacy-fixture/Program.cs "$work/src/tools/legacy-fixture/"
dotnet build "$work/src/tools/legacy-fixture" -c Release -nologo -v quiet -clp:ErrorsOnly

mkfifo "$work/in"
dotnet "$work/src/tools/legacy-fixture/bin/Release/net10.0/LegacyFixture.dll" "$work/pg" < "$work/in" > "$work/out" &
fixture_pid=$!
exec 3> "$work/in"
until grep -q '^ready$' "$work/out"; do
  kill -0 "$fixture_pid" 2>/dev/null || { cat "$work/out"; echo "the fixture writer failed" >&2; exit 1; }
  sleep 0.2
done
mkdir -p "$(dirname "$OUT")"
{
  echo "-- A database written by ConstitutionHub at commit $COMMIT (hand-written event store), for the import tests."
  echo "-- Regenerate with tools/legacy-fixture/make-fixture.sh; do not edit by hand."
  "$BIN/pg_dump" -h "$work/pg/run" -p 5432 -U hub --no-owner --no-privileges --no-comments legacy | grep -v '^SET transaction_timeout'
} > "$OUT"
echo >&3; exec 3>&-
wait "$fixture_pid"; fixture_pid=
echo "wrote $OUT ($(wc -c < "$OUT") bytes)"
