#!/usr/bin/env bash
# Web pages: server time to first byte, LCP in Chromium and the JS/CSS bytes each page loads; prints a table.
# Usage: bench/web/run.sh [requests=200 loads=5 revisions=10000]
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build bench/web -c Release -nologo -v quiet -clp:ErrorsOnly >/tmp/web-bench-build.log || { cat /tmp/web-bench-build.log; exit 1; }
exec dotnet run -c Release --no-build --project bench/web -- "$@"
