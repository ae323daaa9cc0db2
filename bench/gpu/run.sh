#!/usr/bin/env bash
# GPU benchmark of our engine on a CUDA machine: decode tokens/s and time to first token for a model folder at batch 1,
# aggregate tokens/s at batch 8, and the achieved fraction of memory bandwidth:
#   bytes read per decode step = weights + KV cache of every earlier position (averaged over the generation)
#   achieved GB/s = bytes per step / time per step;  fraction = achieved / the device's peak
# The peak comes from nvidia-smi (memory clock x bus width x 2, for DDR memory) or --peak-gbps.
#   bench/gpu/run.sh [--model models/demo-qwen2] [--dtype fp16] [--new-tokens 128] [--runs 5] [--peak-gbps 900]
# Where there is no usable GPU it prints why and exits 0 (nothing measured).
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

model=models/demo-qwen2 dtype=fp32 newtokens=128 runs=5 peak=""
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2 ;; --dtype) dtype=$2 ;; --new-tokens) newtokens=$2 ;; --runs) runs=$2 ;; --peak-gbps) peak=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done

skip() { echo "bench/gpu: skipped: $*"; exit 0; }
command -v nvidia-smi >/dev/null 2>&1 || skip "no nvidia-smi on this machine (no NVIDIA driver, so no CUDA device)"
nvidia-smi -L >/dev/null 2>&1 || skip "nvidia-smi finds no GPU: $(nvidia-smi -L 2>&1 | head -1)"
missing=()
for lib in libcuda.so.1 libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10 libcudnn.so.9; do
  ldconfig -p | grep -q "$lib" || [ -n "$(find ${LD_LIBRARY_PATH:+${LD_LIBRARY_PATH//:/ }} /nonexistent -maxdepth 1 -name "$lib" 2>/dev/null | head -1)" ] || missing+=("$lib")
done
[ ${#missing[@]} -eq 0 ] || skip "ONNX Runtime 1.31's CUDA provider needs CUDA 13 and cuDNN 9; missing: ${missing[*]}"

if [ -z "$peak" ]; then
  # Memory clock (MHz) x bus width (bits) x 2 transfers per clock / 8 bits per byte.
  query=$(nvidia-smi --query-gpu=clocks.max.memory,memory.bus_width --format=csv,noheader,nounits 2>/dev/null | head -1 || true)
  if [[ "$query" =~ ^[[:space:]]*([0-9]+),[[:space:]]*([0-9]+) ]]; then
    peak=$(( BASH_REMATCH[1] * BASH_REMATCH[2] * 2 / 8 / 1000 ))
  fi
fi
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)

dotnet build bench/inference/InferenceBench -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
bench=(dotnet bench/inference/InferenceBench/bin/Release/net10.0/InferenceBench.dll --provider cuda --model "$model" --dtype "$dtype" --new-tokens "$newtokens" --runs "$runs")
one=$("${bench[@]}" | tail -1)
eight=$("${bench[@]}" --concurrent 8 | tail -1)
echo "$one"
echo "$eight"
node --input-type=module - "$one" "$eight" "$gpu" "${peak:-0}" <<'JS'
const [one, eight] = process.argv.slice(2, 4).map((s) => JSON.parse(s));
const [gpu, peak] = [process.argv[4], Number(process.argv[5])];
if (one.executionProvider !== 'cuda') { console.log(`bench/gpu: the model ran on ${one.executionProvider}, not CUDA; see its error above`); process.exit(1); }
const positions = one.promptTokens + one.newTokens / 2;
const bytes = one.weightsBytes + one.kvBytesPerPosition * positions;
const stepSeconds = 1 / one.decodeTokensPerSecond.median;
const achieved = bytes / stepSeconds / 1e9;
console.log(`\n${gpu}, model ${one.model} (${one.dtype}), prompt ${one.promptTokens} tokens, ${one.newTokens} new`);
console.log(`batch 1: decode ${one.decodeTokensPerSecond.median} tokens/s, time to first token ${one.ttftMs.median} ms`);
console.log(`batch 8: ${eight.concurrentTokensPerSecond.median} tokens/s in flight vs ${eight.oneAtATimeTokensPerSecond.median} one at a time (${eight.ratio.median}x)`);
console.log(`bytes read per decode step ${(bytes / 1e6).toFixed(1)} MB (weights ${(one.weightsBytes / 1e6).toFixed(1)} MB + cache of ${positions} positions); ` +
  `achieved ${achieved.toFixed(1)} GB/s` + (peak > 0 ? ` of ${peak} GB/s peak: ${(100 * achieved / peak).toFixed(1)}%` : ' (peak unknown: pass --peak-gbps)'));
JS
