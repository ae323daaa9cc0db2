#!/usr/bin/env bash
# Fetches the ONNX Runtime native library (CPU, linux-x64) that the inference engine calls through its C API.
# The NuGet packages of ONNX Runtime are not in our registry; the npm package onnxruntime-node ships the same
# library. Only the tarball is downloaded (npm pack): its install script, which would fetch CUDA binaries from
# the internet, never runs. Idempotent and silent when the library is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=1.30.0
CACHE=.cache
TARBALL="$CACHE/onnxruntime-node-$VERSION.tgz"
MEMBER=package/bin/napi-v6/linux/x64/libonnxruntime.so.1
TARGET="$CACHE/onnxruntime/libonnxruntime.so.1"
STAMP="$CACHE/onnxruntime/.version"

if [ -f "$TARGET" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$VERSION" ]; then
  exit 0
fi

mkdir -p "$CACHE/onnxruntime"
if [ ! -f "$TARBALL" ]; then
  echo "fetching onnxruntime-node@$VERSION (npm pack)" >&2
  (cd "$CACHE" && npm pack "onnxruntime-node@$VERSION" --silent --ignore-scripts >/dev/null)
fi

# Extract into a scratch folder, then move into place, so an interrupted run never leaves half a library.
scratch=$(mktemp -d "$CACHE/onnxruntime.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
tar -xzf "$TARBALL" -C "$scratch" "$MEMBER"
mv -f "$scratch/$MEMBER" "$TARGET"
echo "$VERSION" > "$STAMP"
echo "ONNX Runtime $VERSION: $TARGET" >&2
