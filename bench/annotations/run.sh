#!/usr/bin/env bash
# Re-anchoring against Hypothesis' diff-match-patch search, same process, interleaved. Arguments: annotations=N runs=N
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet run -c Release --project bench/annotations -- "$@"
