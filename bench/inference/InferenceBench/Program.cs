// Generation speed of our engine on a local model folder, measured exactly as bench/inference/peer.mjs measures
// transformers.js: the prompt is bench/inference/peer-prompt.txt as stored (no chat template, no special tokens),
// greedy decoding of 128 new tokens with the end tokens masked (min_new_tokens = max_new_tokens), one warm-up run
// and five measured runs, through the public streaming API.
//   time to first token: from the call to the first new token (tokenization excluded)
//   decode tokens/s:      (new tokens - 1) / time from the first to the last new token
// Prints one JSON line.
//   dotnet run -c Release --project bench/inference/InferenceBench -- [--model models/demo-qwen2] [--dtype fp32]
//       [--intra-op-threads 1] [--inter-op-threads 2] [--prompt FILE] [--new-tokens 128] [--runs 5]
using System.Diagnostics;
using System.Text.Json;
using ConstitutionHub.Inference;
using ConstitutionHub.Inference.Generation;

string root = FindRoot();
var options = ParseArgs(args);
string modelDir = Path.GetFullPath(options.GetValueOrDefault("model", "models/demo-qwen2"), root);
string dtype = options.GetValueOrDefault("dtype", "fp32");
int intra = int.Parse(options.GetValueOrDefault("intra-op-threads", "1"));
int inter = int.Parse(options.GetValueOrDefault("inter-op-threads", "2"));
string promptFile = Path.GetFullPath(options.GetValueOrDefault("prompt", "bench/inference/peer-prompt.txt"), root);
int newTokens = int.Parse(options.GetValueOrDefault("new-tokens", "128"));
int runs = int.Parse(options.GetValueOrDefault("runs", "5"));

// transformers.js names its weight files by dtype: fp32 -> model.onnx, fp16 -> model_fp16.onnx, q4 -> model_q4.onnx.
string weights = dtype == "fp32" ? "onnx/model.onnx" : $"onnx/model_{dtype}.onnx";
string provider = options.GetValueOrDefault("provider", "cpu");
using var model = LocalChatModel.Load(modelDir, new InferenceOptions { IntraOpThreads = intra, ExecutionProvider = provider }, weights);
Console.Error.WriteLine($"ONNX Runtime session: {model.Info.ExecutionProvider}, weights {weights}");
_ = inter; // sequential execution: the inter-op pool is unused by both engines; kept for the same command line
var promptIds = model.Tokenizer.Encode(File.ReadAllText(promptFile), addSpecialTokens: false);
var sampling = SamplingSettings.Greedy(newTokens);

// The ORT GenAI peer generates from exactly these ids (its own tokenizer is not what is being compared).
if (options.TryGetValue("write-prompt-ids", out var idsFile))
{
    File.WriteAllText(idsFile, JsonSerializer.Serialize(promptIds));
    return;
}

if (options.TryGetValue("concurrent", out var concurrentText))
{
    await Batched.Run(model, promptIds, sampling, int.Parse(concurrentText), runs, Path.GetRelativePath(root, modelDir), dtype, intra,
        options.GetValueOrDefault("profile") == "1");
    return;
}

// Wall time is what the peer reports; process CPU time is printed beside it because this machine is shared and wall
// time also measures the neighbours.
async Task<(int Generated, double TtftMs, double DecodeTps, double TtftCpuMs, double DecodeCpuTps)> Run()
{
    var clock = Stopwatch.StartNew();
    var cpuStart = Environment.CpuUsage.TotalTime;
    double first = 0, last = 0;
    TimeSpan cpuFirst = default, cpuLast = default;
    int generated = 0;
    await foreach (var update in model.StreamTokensAsync(promptIds, sampling, CancellationToken.None, ignoreEos: true))
    {
        if (update.CompletionTokens > generated)
        {
            last = clock.Elapsed.TotalMilliseconds;
            cpuLast = Environment.CpuUsage.TotalTime;
            if (generated == 0)
            {
                first = last;
                cpuFirst = cpuLast;
            }
            generated = update.CompletionTokens;
        }
    }
    return (generated, first, (generated - 1) / ((last - first) / 1000.0),
        (cpuFirst - cpuStart).TotalMilliseconds, (generated - 1) / (cpuLast - cpuFirst).TotalSeconds);
}

await Run(); // warm-up
// --profile 1: where each decode pass spends its time (bind, the runtime's run, outputs, accepting the tokens).
var profile = options.GetValueOrDefault("profile") == "1" ? model.StartProfile() : null;
var results = new List<(int Generated, double TtftMs, double DecodeTps, double TtftCpuMs, double DecodeCpuTps)>();
for (int i = 0; i < runs; i++) results.Add(await Run());

static double Median(IEnumerable<double> xs)
{
    var s = xs.Order().ToArray();
    return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
}

var ttft = results.Select(r => r.TtftMs).ToList();
var tps = results.Select(r => r.DecodeTps).ToList();
Console.WriteLine(JsonSerializer.Serialize(new
{
    engine = "constitutionhub",
    model = Path.GetRelativePath(root, modelDir),
    dtype,
    intraOpNumThreads = intra,
    interOpNumThreads = inter,
    promptTokens = promptIds.Count,
    newTokens = results[0].Generated,
    runs,
    ttftMs = new { median = Math.Round(Median(ttft), 2), min = Math.Round(ttft.Min(), 2), values = ttft.Select(x => Math.Round(x, 2)) },
    decodeTokensPerSecond = new { median = Math.Round(Median(tps), 2), max = Math.Round(tps.Max(), 2), values = tps.Select(x => Math.Round(x, 2)) },
    peakRssMb = Math.Round(PeakRssMb(), 1),
    executionProvider = model.Info.ExecutionProvider,
    // What one decode step reads at least: every weight, and the cache of every earlier position (bench/gpu).
    weightsBytes = new FileInfo(Path.Combine(modelDir, weights)).Length,
    kvBytesPerPosition = KvBytesPerPosition(modelDir, weights),
    passProfileMicroseconds = profile?.PerPassMicroseconds(),
    cpu = new
    {
        ttftMs = Math.Round(Median(results.Select(r => r.TtftCpuMs)), 2),
        decodeTokensPerSecond = Math.Round(Median(results.Select(r => r.DecodeCpuTps)), 2),
    },
}));

static long KvBytesPerPosition(string modelDir, string weights)
{
    var config = ConstitutionHub.Inference.Models.ModelConfig.Parse(File.ReadAllText(Path.Combine(modelDir, "config.json")));
    int element = weights.Contains("fp16") ? 2 : 4;
    return 2L * config.NumHiddenLayers * config.NumKeyValueHeads * config.HeadDim * element;
}

static double PeakRssMb()
{
    // VmHWM: the resident set's high-water mark, what Node's maxRSS reports for the peer.
    foreach (string line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
        {
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        }
    }
    return 0;
}

static Dictionary<string, string> ParseArgs(string[] args)
{
    var result = new Dictionary<string, string>(StringComparer.Ordinal);
    for (int i = 0; i + 1 < args.Length; i += 2)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"Unexpected argument {args[i]}");
        result[args[i][2..]] = args[i + 1];
    }
    return result;
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "ConstitutionHub.sln"))) return dir.FullName;
    }
    return Directory.GetCurrentDirectory();
}
