#!/usr/bin/env bash
# Runs every benchmark; each prints its own figures and ratios against a peer measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== event store"
dotnet run -c Release --no-build --project bench/EventStoreBench -- "$@"
if [ -x bench/inference/run.sh ]; then
  echo "== inference"
  bench/inference/run.sh
fi
echo "== GPU (skips without a CUDA device)"
bench/gpu/run.sh
echo "== live share broadcast"
bench/broadcast/run.sh "$@"
echo "== web pages"
bench/web/run.sh "$@"
echo "== annotations: re-anchoring"
bench/annotations/run.sh "$@"
echo "== annotations: the Read page with 1,000 annotations"
bench/annotations/read-page.sh
echo "== experiment statistics"
dotnet run -c Release --no-build --project bench/experiments
