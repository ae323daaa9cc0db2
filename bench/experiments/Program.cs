using System.Diagnostics;
using System.Text.Json;
using ConstitutionHub.Core.Experiments;

// Experiment benchmarks. `ratings` (default): Bradley–Terry with a 200-sample bootstrap over 100,000 votes and 32 arms
// (the issue's goal: under 2 s), against the same computation in numpy, run alternately in the same process so the
// load of a shared machine hits both. `generations`: see Generations.cs.
// Usage: dotnet run -c Release --project bench/experiments [-- ratings [rounds] | generations [items] [tokens]]
if (args.FirstOrDefault() == "generations")
{
    await GenerationsBench.RunAsync(args.Skip(1).Select(int.Parse).ToArray());
    return;
}
var rounds = args.Length > 1 ? int.Parse(args[1]) : args.Length == 1 && args[0] != "ratings" ? int.Parse(args[0]) : 3;
const int Arms = 32, Votes = 100_000, Bootstrap = 200;

var random = new Random(42);
var truth = Enumerable.Range(0, Arms).Select(_ => random.NextDouble() * 2 - 1).ToArray();
var votes = new Vote[Votes];
for (var k = 0; k < Votes; k++)
{
    var a = random.Next(Arms);
    var b = (a + 1 + random.Next(Arms - 1)) % Arms;
    var p = 1 / (1 + Math.Exp(truth[b] - truth[a]));
    votes[k] = new Vote(a, b, random.NextDouble() < 0.1 ? Outcome.Tie : random.NextDouble() < p ? Outcome.FirstWins : Outcome.SecondWins);
}
var input = JsonSerializer.Serialize(new { arms = Arms, bootstrap = Bootstrap, votes = votes.Select(v => new[] { v.First, v.Second, (int)v.Outcome }) });

BradleyTerry.Fit(Arms, votes, Bootstrap); // warm-up: JIT
var ours = new List<double>();
var peer = new List<double>();
BradleyTerryFit? fit = null;
double[]? peerStrengths = null;
for (var r = 0; r < rounds; r++)
{
    var watch = Stopwatch.StartNew();
    fit = BradleyTerry.Fit(Arms, votes, Bootstrap);
    ours.Add(watch.Elapsed.TotalSeconds);
    (var seconds, peerStrengths) = await NumpyAsync(input);
    peer.Add(seconds);
}

var largestGap = fit!.Ratings.Max(r => Math.Abs(r.Strength - peerStrengths![r.Arm]));
var (oursMedian, peerMedian) = (Median(ours), Median(peer));
Console.WriteLine($"Bradley-Terry, {Votes:N0} votes, {Arms} arms, {Bootstrap} bootstrap samples, {rounds} rounds alternating:");
Console.WriteLine($"  ConstitutionHub (C#)   median {oursMedian:0.000} s  (runs: {string.Join(", ", ours.Select(s => s.ToString("0.000")))})");
Console.WriteLine($"  numpy peer             median {peerMedian:0.000} s  (runs: {string.Join(", ", peer.Select(s => s.ToString("0.000")))})");
Console.WriteLine($"  ratio numpy / ours: {peerMedian / oursMedian:0.0}x; goal < 2 s: {(oursMedian < 2 ? "met" : "NOT met")}; largest strength difference {largestGap:E1}");

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static async Task<(double Seconds, double[] Strengths)> NumpyAsync(string input)
{
    var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    var start = new ProcessStartInfo(python, [Path.Combine(AppContext.BaseDirectory, "bt_peer.py")])
    {
        RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
    };
    using var process = Process.Start(start)!;
    await process.StandardInput.WriteAsync(input);
    process.StandardInput.Close();
    var output = await process.StandardOutput.ReadToEndAsync();
    var error = await process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0) throw new InvalidOperationException($"The numpy peer failed (apt-get install python3-numpy): {error}");
    using var json = JsonDocument.Parse(output);
    return (json.RootElement.GetProperty("seconds").GetDouble(),
        json.RootElement.GetProperty("strengths").EnumerateArray().Select(e => e.GetDouble()).ToArray());
}
