// Generation speed of ONNX Runtime GenAI 0.18 on a local model folder, measured as InferenceBench and peer.mjs measure
// theirs: the same prompt ids (written by InferenceBench --write-prompt-ids), greedy decoding of N new tokens with the
// end tokens held off (min_length), one warm-up run then the measured runs.
//   time to first token: from appending the prompt to the first new token
//   decode tokens/s:      (new tokens - 1) / time from the first to the last new token
// GenAI reads genai_config.json from the model folder; this program writes one from config.json into a copy of the
// folder (the original is never touched). Prints one JSON line.
//   GenAiPeer --model models/demo-qwen2 --prompt-ids FILE [--dtype fp32] [--intra-op-threads 1] [--new-tokens 128] [--runs 5]
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntimeGenAI;

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (int i = 0; i + 1 < args.Length; i += 2) options[args[i].TrimStart('-')] = args[i + 1];
string modelDir = Path.GetFullPath(options["model"]);
string dtype = options.GetValueOrDefault("dtype", "fp32");
int intra = int.Parse(options.GetValueOrDefault("intra-op-threads", "1"));
int newTokens = int.Parse(options.GetValueOrDefault("new-tokens", "128"));
int runs = int.Parse(options.GetValueOrDefault("runs", "5"));
int[] prompt = JsonSerializer.Deserialize<int[]>(File.ReadAllText(options["prompt-ids"]))!;

string folder = PrepareFolder(modelDir, dtype, intra);
using var model = new Model(folder);

// Process CPU time beside wall time, as InferenceBench reports it: this machine is shared, and wall time also measures
// the neighbours.
(double TtftMs, double DecodeTps, int Generated, double DecodeCpuTps) Run()
{
    using var parameters = new GeneratorParams(model);
    parameters.SetSearchOption("max_length", prompt.Length + newTokens);
    parameters.SetSearchOption("min_length", prompt.Length + newTokens);
    parameters.SetSearchOption("do_sample", false);
    using var generator = new Generator(model, parameters);
    var clock = Stopwatch.StartNew();
    generator.AppendTokens(prompt);
    double first = 0, last = 0;
    TimeSpan cpuFirst = default;
    int generated = 0;
    while (!generator.IsDone())
    {
        generator.GenerateNextToken();
        last = clock.Elapsed.TotalMilliseconds;
        if (generated++ == 0)
        {
            first = last;
            cpuFirst = Environment.CpuUsage.TotalTime;
        }
    }
    var cpuLast = Environment.CpuUsage.TotalTime;
    return (first, (generated - 1) / ((last - first) / 1000.0), generated, (generated - 1) / (cpuLast - cpuFirst).TotalSeconds);
}

Run(); // warm-up
var results = Enumerable.Range(0, runs).Select(_ => Run()).ToList();
double Median(IEnumerable<double> xs)
{
    var s = xs.Order().ToArray();
    return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
}
Console.WriteLine(JsonSerializer.Serialize(new
{
    engine = "onnxruntime-genai",
    version = "0.18.0",
    model = Path.GetFileName(modelDir),
    dtype,
    intraOpNumThreads = intra,
    promptTokens = prompt.Length,
    newTokens = results[0].Generated,
    runs,
    ttftMs = new { median = Math.Round(Median(results.Select(r => r.TtftMs)), 2), values = results.Select(r => Math.Round(r.TtftMs, 2)) },
    decodeTokensPerSecond = new { median = Math.Round(Median(results.Select(r => r.DecodeTps)), 2), values = results.Select(r => Math.Round(r.DecodeTps, 2)) },
    peakRssMb = Math.Round(PeakRssMb(), 1),
    cpu = new { decodeTokensPerSecond = Math.Round(Median(results.Select(r => r.DecodeCpuTps)), 2) },
}));

// A copy of the folder's files with a genai_config.json for a decoder in the transformers.js export layout.
static string PrepareFolder(string modelDir, string dtype, int intra)
{
    string copy = Path.Combine(Path.GetTempPath(), $"genai-peer-{Path.GetFileName(modelDir)}-{dtype}");
    Directory.CreateDirectory(Path.Combine(copy, "onnx"));
    foreach (var file in Directory.GetFiles(modelDir)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)), overwrite: true);
    string weights = dtype == "fp32" ? "model.onnx" : $"model_{dtype}.onnx";
    File.Copy(Path.Combine(modelDir, "onnx", weights), Path.Combine(copy, "onnx", weights), overwrite: true);

    var config = JsonNode.Parse(File.ReadAllText(Path.Combine(modelDir, "config.json")))!.AsObject();
    var generation = File.Exists(Path.Combine(modelDir, "generation_config.json"))
        ? JsonNode.Parse(File.ReadAllText(Path.Combine(modelDir, "generation_config.json")))!.AsObject() : new JsonObject();
    int hidden = (int)config["hidden_size"]!, heads = (int)config["num_attention_heads"]!;
    var genai = new JsonObject
    {
        ["model"] = new JsonObject
        {
            ["bos_token_id"] = (generation["bos_token_id"] ?? config["bos_token_id"])?.DeepClone(),
            ["eos_token_id"] = (generation["eos_token_id"] ?? config["eos_token_id"])?.DeepClone(),
            ["pad_token_id"] = (generation["pad_token_id"] ?? config["pad_token_id"] ?? config["eos_token_id"])?.DeepClone() switch
            {
                JsonArray a => a[0]!.DeepClone(),
                var v => v,
            },
            ["context_length"] = config["max_position_embeddings"]?.DeepClone(),
            ["vocab_size"] = config["vocab_size"]?.DeepClone(),
            ["type"] = config["model_type"]?.DeepClone(),
            ["decoder"] = new JsonObject
            {
                ["session_options"] = new JsonObject { ["log_id"] = "onnxruntime-genai", ["intra_op_num_threads"] = intra, ["inter_op_num_threads"] = 1, ["provider_options"] = new JsonArray() },
                ["filename"] = $"onnx/{weights}",
                ["head_size"] = (int?)config["head_dim"] ?? hidden / heads,
                ["hidden_size"] = hidden,
                ["num_attention_heads"] = heads,
                ["num_hidden_layers"] = config["num_hidden_layers"]?.DeepClone(),
                ["num_key_value_heads"] = (config["num_key_value_heads"] ?? config["num_attention_heads"])?.DeepClone(),
                ["inputs"] = new JsonObject
                {
                    ["input_ids"] = "input_ids", ["attention_mask"] = "attention_mask", ["position_ids"] = "position_ids",
                    ["past_key_names"] = "past_key_values.%d.key", ["past_value_names"] = "past_key_values.%d.value",
                },
                ["outputs"] = new JsonObject
                {
                    ["logits"] = "logits", ["present_key_names"] = "present.%d.key", ["present_value_names"] = "present.%d.value",
                },
            },
        },
        ["search"] = new JsonObject
        {
            ["do_sample"] = false, ["num_beams"] = 1, ["top_k"] = 1, ["top_p"] = 1.0, ["temperature"] = 1.0, ["repetition_penalty"] = 1.0,
            ["max_length"] = config["max_position_embeddings"]?.DeepClone(), ["min_length"] = 0,
            // The export concatenates the cache inside the graph; GenAI's shared buffer needs an in-place attention op.
            ["past_present_share_buffer"] = false,
        },
    };
    File.WriteAllText(Path.Combine(copy, "genai_config.json"), genai.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    return copy;
}

static double PeakRssMb()
{
    foreach (string line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }
    return 0;
}
