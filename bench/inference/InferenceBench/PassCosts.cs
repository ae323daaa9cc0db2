using System.Diagnostics;
using System.Text.Json;
using ConstitutionHub.Inference.Generation;
using ConstitutionHub.Inference.Models;
using ConstitutionHub.Inference.Runtime;

/// <summary>
/// What one decode pass costs by rows and cached positions, through the engine's own batch (inputs bound, the run,
/// outputs taken), for the model file as exported and as the engine rewrites it at load. Each figure is the fastest
/// of many passes: on a shared machine the minimum is what the code costs, the rest is the neighbours. Prints one
/// JSON line.
///   InferenceBench --pass-costs 1 [--model models/demo-qwen2] [--dtype fp32] [--intra-op-threads 1]
/// </summary>
internal static class PassCosts
{
    private static readonly (int Rows, int Positions)[] Shapes = [(1, 20), (1, 300), (1, 560), (4, 300), (8, 20), (8, 300)];

    public static void Run(string weightsPath, int intra, string modelName, string dtype)
    {
        var settings = new SessionSettings(IntraOpThreads: intra);
        byte[] original = File.ReadAllBytes(weightsPath);
        byte[] sliced = LastPositionLogits.TryRewrite(original) ?? original;
        var variants = new (string Name, byte[] Bytes)[]
        {
            ("asExported", original),
            ("lastPositionLogits", sliced),
            ("lastPositionLogitsAndGroupedKv", GroupedKvAttention.TryRewrite(sliced) ?? sliced),
        };
        var results = new Dictionary<string, Dictionary<string, double>>();
        foreach (var (name, bytes) in variants)
        {
            using var session = OnnxSession.Open(weightsPath, settings, bytes);
            var graph = DecoderGraph.Inspect(session.Inputs, session.Outputs, ConfigFor(weightsPath));
            using var ops = new KvCacheOps(graph.KvType, settings, session.DeviceMemory);
            using var batch = new DecoderBatch(session, graph, ops);
            results[name] = Shapes.ToDictionary(s => $"{s.Rows}x{s.Positions}", s => Math.Round(Fastest(batch, graph, s.Rows, s.Positions) * 1000, 1));
            results[name]["prefill 1x470"] = Math.Round(FastestPrefill(batch, graph, 470) * 1000, 1);
        }
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            engine = "constitutionhub",
            mode = "pass-costs",
            model = modelName,
            dtype,
            intraOpNumThreads = intra,
            unit = "microseconds per decode pass (fastest of 5 x 24), rows x cached positions",
            passes = results,
        }));
    }

    /// <summary>The fastest decode pass of <paramref name="rows"/> rows with about <paramref name="positions"/> cached.</summary>
    private static double Fastest(DecoderBatch batch, DecoderGraph graph, int rows, int positions)
    {
        var random = new Random(positions * 31 + rows);
        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            var prompts = Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, positions).Select(_ => random.Next(graph.VocabSize)).ToArray()).ToList();
            batch.Add(prompts);
            int[] tokens = new int[rows];
            for (int step = 0; step < 24; step++)
            {
                for (int r = 0; r < rows; r++) tokens[r] = Sampler.ArgMax(batch.Logits(r));
                long started = Stopwatch.GetTimestamp();
                batch.Step(tokens);
                best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            batch.Clear();
        }
        return best;
    }

    /// <summary>The fastest prefill of one prompt of <paramref name="positions"/> tokens (time to first token, less sampling).</summary>
    private static double FastestPrefill(DecoderBatch batch, DecoderGraph graph, int positions)
    {
        var random = new Random(positions);
        double best = double.MaxValue;
        for (int round = 0; round < 20; round++)
        {
            int[] prompt = Enumerable.Range(0, positions).Select(_ => random.Next(graph.VocabSize)).ToArray();
            long started = Stopwatch.GetTimestamp();
            batch.Add([prompt]);
            best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            batch.Clear();
        }
        return best;
    }

    private static ModelConfig ConfigFor(string weightsPath) =>
        ModelConfig.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(weightsPath)!)!, "config.json")));
}
