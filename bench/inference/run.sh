#!/usr/bin/env bash
# Generation speed of our engine against transformers.js (bench/inference/peer.mjs) on the same model folder, prompt
# and thread counts, one after the other on this machine. Prints both JSON lines and a table with ratios.
#   bench/inference/run.sh [--model models/demo-qwen2] [--dtype fp32] [--intra-op-threads 1] [--inter-op-threads 2]
# Goals: decode tokens/s >= 1.5x the peer's; time to first token <= 0.8x the peer's.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [ ! -d tools/peer/node_modules/@huggingface/transformers ]; then
  # --ignore-scripts: onnxruntime-node's install script would try to download CUDA binaries.
  (cd tools/peer && ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
dotnet build bench/inference/InferenceBench -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null

ours=$(dotnet bench/inference/InferenceBench/bin/Release/net10.0/InferenceBench.dll "$@")
peer=$(node bench/inference/peer.mjs "$@")
echo "$ours"
echo "$peer"
node --input-type=module - "$ours" "$peer" <<'JS'
const [ours, peer] = process.argv.slice(2).map((s) => JSON.parse(s));
const row = (name, a, b, better) => {
  const ratio = a / b;
  const verdict = better ? (better(ratio) ? 'goal met' : 'goal missed') : '';
  console.log(`${name.padEnd(42)} ${a.toFixed(2).padStart(10)} ${b.toFixed(2).padStart(16)} ${ratio.toFixed(2).padStart(7)}x  ${verdict}`);
};
console.log(`\nmodel ${ours.model} (${ours.dtype}), prompt ${ours.promptTokens} tokens, ${ours.newTokens} new, intra-op threads ${ours.intraOpNumThreads}, ${ours.runs} runs`);
console.log(`${''.padEnd(42)} ${'ours'.padStart(10)} ${'transformers.js'.padStart(16)} ${'ratio'.padStart(8)}`);
row('decode tokens/s, median (>= 1.5x)', ours.decodeTokensPerSecond.median, peer.decodeTokensPerSecond.median, (r) => r >= 1.5);
row('decode tokens/s, best', ours.decodeTokensPerSecond.max, peer.decodeTokensPerSecond.max, (r) => r >= 1.5);
row('time to first token ms, median (<= 0.8x)', ours.ttftMs.median, peer.ttftMs.median, (r) => r <= 0.8);
row('time to first token ms, best', ours.ttftMs.min, peer.ttftMs.min, (r) => r <= 0.8);
row('peak RSS MB', ours.peakRssMb, peer.peakRssMb);
// A shared machine only ever slows a run down, so the best run is the steadier figure when the load moves.
console.log(`load average at the end: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
JS
