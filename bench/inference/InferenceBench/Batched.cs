using System.Diagnostics;
using System.Text.Json;
using ConstitutionHub.Inference;
using ConstitutionHub.Inference.Generation;

/// <summary>
/// Aggregate throughput of N requests in flight at once against the same N one after another, on the same model and
/// thread count, A/B interleaved: each pair runs one-at-a-time then concurrent. Each request has its own prompt (a
/// different slice of the bench prompt, 64 to 192 tokens) and generates the same number of new tokens (end tokens
/// masked). Throughput = all new tokens / wall time from the first request to the last token.
/// </summary>
internal static class Batched
{
    public static async Task Run(LocalChatModel model, IReadOnlyList<int> text, SamplingSettings sampling, int n, int pairs, string modelName, string dtype, int intra, bool profileRequested)
    {
        var prompts = Enumerable.Range(0, n).Select(i => text.Skip(i * 17 % 200).Take(64 + i * 128 / Math.Max(1, n - 1)).ToList()).ToList();

        async Task<int> One(IReadOnlyList<int> prompt)
        {
            int tokens = 0;
            await foreach (var u in model.StreamTokensAsync(prompt, sampling, CancellationToken.None, ignoreEos: true)) tokens = u.CompletionTokens;
            return tokens;
        }

        async Task<double> Sequential()
        {
            var clock = Stopwatch.StartNew();
            int total = 0;
            foreach (var p in prompts) total += await One(p);
            return total / clock.Elapsed.TotalSeconds;
        }

        async Task<double> Concurrent()
        {
            var clock = Stopwatch.StartNew();
            var counts = await Task.WhenAll(prompts.Select(p => Task.Run(() => One(p))));
            return counts.Sum() / clock.Elapsed.TotalSeconds;
        }

        await Sequential(); // warm-up
        await Concurrent();
        var profile = profileRequested ? model.StartProfile() : null;
        var sequential = new List<double>();
        var concurrent = new List<double>();
        for (int i = 0; i < pairs; i++)
        {
            sequential.Add(await Sequential());
            concurrent.Add(await Concurrent());
        }
        var ratios = sequential.Zip(concurrent, (a, b) => b / a).ToList();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            engine = "constitutionhub",
            mode = "batched",
            model = modelName,
            dtype,
            intraOpNumThreads = intra,
            requests = n,
            newTokensEach = sampling.MaxNewTokens,
            pairs,
            oneAtATimeTokensPerSecond = Summary(sequential),
            concurrentTokensPerSecond = Summary(concurrent),
            ratio = new { median = Math.Round(Median(ratios), 2), values = ratios.Select(r => Math.Round(r, 2)) },
            largestBatch = model.LargestBatch,
            executionProvider = model.Info.ExecutionProvider,
            peakRssMb = Math.Round(PeakRssMb(), 1),
            profile = profile is null ? null : new
            {
                decodePassMicrosecondsByRows = profile.PerPassMicrosecondsByRows(),
                prefillPasses = profile.Prefills,
                prefillMilliseconds = profile.PrefillMilliseconds,
                decodePasses = profile.Passes,
            },
        }));
    }

    private static object Summary(List<double> xs) => new { median = Math.Round(Median(xs), 1), values = xs.Select(x => Math.Round(x, 1)) };

    private static double Median(IEnumerable<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static double PeakRssMb()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        }
        return 0;
    }
}
