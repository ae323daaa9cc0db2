#!/usr/bin/env bash
# Live share broadcast to 1, 20 and 200 viewers against a bare WebSocket broadcast in the same run; prints a table.
# Usage: bench/broadcast/run.sh [viewers=1,20,200 batches=100 interval=50]
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build bench/broadcast -c Release -nologo -v quiet -clp:ErrorsOnly >/tmp/broadcast-build.log || { cat /tmp/broadcast-build.log; exit 1; }
exec dotnet run -c Release --no-build --project bench/broadcast -- "$@"
