#!/usr/bin/env bash
# Generation speed of our engine against two peers on the same model folder, prompt ids and thread counts:
# transformers.js (bench/inference/peer.mjs) and ONNX Runtime GenAI 0.18 (bench/inference/GenAiPeer). A/B interleaved:
# each pair runs every engine once (a fresh process: one warm-up run, then one measured run), in an order that rotates
# from pair to pair, and the figures are medians over the pairs (ratios are per pair, then the median).
# Then the batched throughput: 8 requests in flight against the same 8 one after another (ours), and peak memory.
#   bench/inference/run.sh [--pairs 5] [--model models/demo-qwen2] [--dtype fp32] [--intra-op-threads 1]
# Goals: decode >= 1.2x ORT GenAI and >= 1.5x transformers.js; time to first token <= 0.9x ORT GenAI; batched >= 3x.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Both .NET engines run with the thread pool's spin-wait off, the setting recommended for serving (README): idle pool
# threads that spin for work take the cores the forward passes need on a busy machine.
export DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0

pairs=5 model=models/demo-qwen2 dtype=fp32 threads=1
while [ $# -gt 0 ]; do
  case "$1" in
    --pairs) pairs=$2 ;; --model) model=$2 ;; --dtype) dtype=$2 ;; --intra-op-threads) threads=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done

if [ ! -d tools/peer/node_modules/@huggingface/transformers ]; then
  # --ignore-scripts: onnxruntime-node's install script would try to download CUDA binaries.
  (cd tools/peer && ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
dotnet build bench/inference/InferenceBench -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
# Outside the solution: it carries the CPU ONNX Runtime that GenAI pins, never beside our GPU package.
dotnet build bench/inference/GenAiPeer -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ours=(dotnet bench/inference/InferenceBench/bin/Release/net10.0/InferenceBench.dll --model "$model" --dtype "$dtype" --intra-op-threads "$threads")
"${ours[@]}" --write-prompt-ids "$work/ids.json" 2>/dev/null

run_engine() {
  case "$1" in
    ours) "${ours[@]}" --runs 1 2>/dev/null ;;
    genai) dotnet bench/inference/GenAiPeer/bin/Release/net10.0/GenAiPeer.dll --model "$model" --dtype "$dtype" --intra-op-threads "$threads" --prompt-ids "$work/ids.json" --runs 1 2>/dev/null ;;
    tjs) node bench/inference/peer.mjs --model "$model" --dtype "$dtype" --intra-op-threads "$threads" --runs 1 ;;
  esac
}

engines=(ours genai tjs)
for ((p = 0; p < pairs; p++)); do
  for ((k = 0; k < 3; k++)); do
    engine=${engines[$(((p + k) % 3))]}
    run_engine "$engine" | tail -1 >> "$work/$engine.jsonl"
  done
  echo "pair $((p + 1)) of $pairs done" >&2
done
"${ours[@]}" --concurrent 8 --runs "$pairs" --profile 1 2>/dev/null | tail -1 > "$work/batched.json"

node --input-type=module - "$work" <<'JS'
import fs from 'node:fs';
import os from 'node:os';
const dir = process.argv[2];
const read = (name) => fs.readFileSync(`${dir}/${name}.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const [ours, genai, tjs] = ['ours', 'genai', 'tjs'].map(read);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const tps = (r) => r.decodeTokensPerSecond.median;
const ttft = (r) => r.ttftMs.median;
const ratio = (a, b, f) => median(a.map((x, i) => f(x) / f(b[i])));
const batched = JSON.parse(fs.readFileSync(`${dir}/batched.json`, 'utf8'));
console.log(JSON.stringify({ ours, genai, tjs, batched }));
const o = ours[0];
console.log(`\nmodel ${o.model} (${o.dtype}), prompt ${o.promptTokens} tokens, ${o.newTokens} new, intra-op threads ${o.intraOpNumThreads}, ${ours.length} interleaved pairs`);
const row = (name, a, b, c, r1, r2, goal) => console.log(`${name.padEnd(28)} ${a.padStart(9)} ${b.padStart(11)} ${c.padStart(16)} ${r1.padStart(10)} ${r2.padStart(10)}  ${goal}`);
row('', 'ours', 'ORT GenAI', 'transformers.js', 'vs GenAI', 'vs t.js', '');
const f = (x) => x.toFixed(1);
const rg = ratio(ours, genai, tps), rt = ratio(ours, tjs, tps);
row('decode tokens/s', f(median(ours.map(tps))), f(median(genai.map(tps))), f(median(tjs.map(tps))), `${rg.toFixed(2)}x`, `${rt.toFixed(2)}x`,
  `goals >= 1.2x / >= 1.5x: ${rg >= 1.2 ? 'met' : 'missed'} / ${rt >= 1.5 ? 'met' : 'missed'}`);
const tg = ratio(ours, genai, ttft), tt = ratio(ours, tjs, ttft);
row('time to first token ms', f(median(ours.map(ttft))), f(median(genai.map(ttft))), f(median(tjs.map(ttft))), `${tg.toFixed(2)}x`, `${tt.toFixed(2)}x`,
  `goal <= 0.9x GenAI: ${tg <= 0.9 ? 'met' : 'missed'}`);
const cpu = (r) => r.cpu.decodeTokensPerSecond;
row('decode tokens/CPU-second', f(median(ours.map(cpu))), f(median(genai.map(cpu))), '', `${ratio(ours, genai, cpu).toFixed(2)}x`, '', '(process CPU time: what a shared machine measures best)');
row('peak RSS MB', f(median(ours.map((r) => r.peakRssMb))), f(median(genai.map((r) => r.peakRssMb))), f(median(tjs.map((r) => r.peakRssMb))), '', '', '');
console.log(`\nbatched (ours): ${batched.requests} requests in flight ${batched.concurrentTokensPerSecond.median} tokens/s, one at a time ` +
  `${batched.oneAtATimeTokensPerSecond.median} tokens/s: ${batched.ratio.median}x (goal >= 3x: ${batched.ratio.median >= 3 ? 'met' : 'missed'}), ` +
  `largest batch ${batched.largestBatch}, peak RSS ${batched.peakRssMb} MB`);
if (batched.profile) console.log(`decode pass by rows (us): ${JSON.stringify(batched.profile.decodePassMicrosecondsByRows)}, prefill passes ${batched.profile.prefillPasses}`);
console.log(`load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
JS
