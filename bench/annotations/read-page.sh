#!/usr/bin/env bash
# The Read page with 1,000 annotations against the bare page: HTTP, live layer and LCP in Chromium, medians and ratios.
# Usage: bench/annotations/read-page.sh [annotations=1000 loads=5]
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build bench/annotations/ReadPage -c Release -nologo -v quiet -clp:ErrorsOnly >/tmp/read-page-bench-build.log || { cat /tmp/read-page-bench-build.log; exit 1; }
exec dotnet run -c Release --no-build --project bench/annotations/ReadPage -- "$@"
