using System.Diagnostics;
using ConstitutionHub.Core.Database;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.PromptSets;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Inference;
using ConstitutionHub.Inference.Generation;
using ConstitutionHub.Inference.Serving;
using ConstitutionHub.Web.Features.Experiments;
using Npgsql;

/// <summary>
/// Generations per minute of a 100-item, 2-arm experiment on the demo model, through the real queue and recording:
/// one worker with one generation in flight (one at a time), one worker with 8 in flight (the engine batches them),
/// and two workers with 8 each, each on its own engine as two nodes would be (here on the same machine and cores).
/// The three runs alternate on one database; each is its own experiment.
/// </summary>
internal static class GenerationsBench
{
    public static async Task RunAsync(int[] args)
    {
        var items = args.Length > 0 ? args[0] : 100;
        var tokens = args.Length > 1 ? args[1] : 32;
        var root = Path.Combine(Path.GetTempPath(), $"chub-bench-{Guid.NewGuid():N}");
        await using var pg = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { RootDirectory = root, Database = "bench", Fsync = false });
        pg.RemoveWhenProcessExits(Environment.ProcessId);
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(HubMarten.WithSearchPath(pg.ConnectionString));
            using var store = HubMarten.CreateStore(pg.ConnectionString);
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            var streams = new EventStreams(store, dataSource);
            var constitutions = new ConstitutionQueries(dataSource);
            var sets = new PromptSets(streams, dataSource);
            var queries = new ExperimentQueries(dataSource);
            var commands = new ExperimentCommands(streams, constitutions, sets, queries);
            var ada = new Actor("local:bench", "Bench");
            var constitution = await new ConstitutionCommands(streams, constitutions).CreateAsync(ada, new CreateConstitution("bench", "Bench", "",
                Visibility.Public, "# Helper\n\n## Honesty\n\n:::variant default\nTell the truth.\n:::\n\n:::variant kind\nTell the truth kindly.\n:::\n",
                "first"), Guid.NewGuid());
            var honesty = (await constitutions.RevisionAsync(constitution.Id, 1))!.Sections.Single(s => s.Heading == "Honesty").Id;
            var set = await sets.CreateAsync(ada, "Bench", "", Enumerable.Range(1, items)
                .Select(i => new PromptItem($"q{i}", [new PromptTurn("user", $"Question number {i}: what do you value?")], [])).ToList(), Guid.NewGuid());

            async Task<double> RunAsync(int workers, int concurrency)
            {
                var options = new InferenceOptions { ModelsPath = ModelsPath() };
                var engines = Enumerable.Range(0, workers).Select(_ => new ModelCatalog(options, new GenerationScheduler(options), new OnnxModelScanner())).ToList();
                Arm[] arms =
                [
                    new("A", "default", constitution.Id, 1, Recipe.Default, Sampling: new ArmSampling(MaxTokens: tokens)),
                    new("B", "kind", constitution.Id, 1, new Recipe(new Dictionary<string, string> { [honesty] = "kind" }), Sampling: new ArmSampling(MaxTokens: tokens)),
                ];
                // Paused while the workers start, so the clock measures generation, not model loading.
                var experiment = await commands.CreateAsync(ada, new CreateExperiment($"w{workers}c{concurrency}", set.State.Id, null, arms, 1), Guid.NewGuid());
                await commands.PauseAsync(ada, experiment.Id, Guid.NewGuid());
                using var stop = new CancellationTokenSource();
                var running = engines.Select((catalog, n) =>
                {
                    var workerOptions = new ExperimentWorkerOptions { Node = $"bench-{n}", Concurrency = concurrency, Poll = TimeSpan.FromMilliseconds(20) };
                    var models = new CatalogModels(catalog, workerOptions);
                    return new ExperimentWorker(streams, new WorkQueue(dataSource), queries, sets, constitutions, models, workerOptions).RunAsync(stop.Token);
                }).ToList();
                await commands.ResumeAsync(ada, experiment.Id, Guid.NewGuid());
                var watch = Stopwatch.StartNew();
                while (true)
                {
                    var progress = await queries.ProgressAsync(experiment.Id);
                    if (progress.Failed > 0) throw new InvalidOperationException(string.Join("; ", (await queries.FailuresAsync(experiment.Id)).Select(f => f.Error)));
                    if (progress.Done == progress.Total) break;
                    await Task.Delay(20);
                }
                var minutes = watch.Elapsed.TotalMinutes;
                stop.Cancel();
                await Task.WhenAll(running);
                return items * 2 / minutes;
            }

            await RunAsync(1, 2); // warm-up: JIT, ONNX Runtime session creation paths
            var results = new Dictionary<string, List<double>> { ["one at a time"] = [], ["batched (8 in flight)"] = [], ["two workers x 8"] = [] };
            for (var round = 0; round < 2; round++)
            {
                results["one at a time"].Add(await RunAsync(1, 1));
                results["batched (8 in flight)"].Add(await RunAsync(1, 8));
                results["two workers x 8"].Add(await RunAsync(2, 8));
            }
            Console.WriteLine($"Generations per minute, {items} items x 2 arms, {tokens} new tokens each, demo model on the CPU, 2 rounds alternating:");
            foreach (var (name, values) in results) Console.WriteLine($"  {name,-24} {values.Average(),8:0} /min  (runs: {string.Join(", ", values.Select(v => v.ToString("0")))})");
            var one = results["one at a time"].Average();
            var batched = results["batched (8 in flight)"].Average();
            Console.WriteLine($"  batched / one at a time: {batched / one:0.0}x (goal >= 3x); two workers / one: {results["two workers x 8"].Average() / batched:0.00}x");
        }
        finally
        {
            await pg.StopAsync();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private static string ModelsPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "models", "demo-qwen2"))) return Path.Combine(dir.FullName, "models");
        throw new DirectoryNotFoundException("models/demo-qwen2 not found above the bench's folder.");
    }
}
