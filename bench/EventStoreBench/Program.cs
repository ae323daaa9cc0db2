// Event store figures, each against a peer measured in the same run on the same PostgreSQL:
//  1. single-event appends (throughput and latency percentiles) against a plain INSERT of the same row shape;
//  2. opening a constitution with 10,000 revisions: current revision and the first history page.
// Usage: dotnet run -c Release --project bench/EventStoreBench [-- appends=2000 revisions=10000 writers=4]
using System.Diagnostics;
using System.Text.Json;
using ConstitutionHub.Core.Database;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.EventStore;
using ConstitutionHub.Core.People;
using Npgsql;

var options = args.Select(a => a.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => int.Parse(p[1]));
var appends = options.GetValueOrDefault("appends", 2000);
var revisions = options.GetValueOrDefault("revisions", 10_000);
var writers = options.GetValueOrDefault("writers", 4);

var root = Path.Combine(Path.GetTempPath(), $"chub-bench-{Guid.NewGuid():N}");
await using var pg = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { RootDirectory = root, Database = "bench" });
try
{
    await using var dataSource = NpgsqlDataSource.Create(pg.ConnectionString);
    await Migrator.ApplyAsync(dataSource);
    await using (var create = dataSource.CreateCommand("""
        create table plain_events (seq bigserial primary key, id uuid not null unique, stream_id text not null, version bigint not null,
            type text not null, data jsonb not null, metadata jsonb not null, created timestamptz not null default now(),
            unique (stream_id, version))
        """))
        await create.ExecuteNonQueryAsync();

    var registry = ConstitutionStream.Register(new EventTypeRegistry()).Register<Noted>("noted");
    var store = new EventStore(dataSource, registry, []);
    var meta = new EventMetadata("bench", "Bench", DateTimeOffset.UtcNow, Guid.NewGuid());
    var payload = new Noted(new string('x', 200));
    var dataJson = registry.Serialize(payload);
    var metaJson = JsonSerializer.Serialize(meta, EventTypeRegistry.Json);

    Console.WriteLine($"PostgreSQL {await Scalar(dataSource, "show server_version")}, fsync {await Scalar(dataSource, "show fsync")}, " +
                      $"{Environment.ProcessorCount} cores; {appends} appends per side, {writers} concurrent writers");

    // Warm both paths (connections, plans).
    for (var i = 0; i < 50; i++)
    {
        await store.AppendAsync($"warm-{i}", "bench", ExpectedVersion.NoStream, [new NewEvent(Guid.NewGuid(), payload)], meta);
        await PlainInsert(dataSource, $"warm-{i}", 1, dataJson, metaJson);
    }

    var ours = await Measure("event store append", appends, writers, async (w, i) =>
        await store.AppendAsync($"s-{w}", "bench", i, [new NewEvent(Guid.NewGuid(), payload)], meta));
    var plain = await Measure("plain INSERT", appends, writers, async (w, i) => await PlainInsert(dataSource, $"s-{w}", i + 1, dataJson, metaJson));
    Console.WriteLine($"ratio (event store / plain INSERT): throughput {ours.PerSecond / plain.PerSecond:F2}x, p50 {ours.P50 / plain.P50:F2}x, p99 {ours.P99 / plain.P99:F2}x");

    // A constitution with many revisions: the app reads its head and one history page, never the whole stream.
    var queries = new ConstitutionQueries(dataSource);
    var commands = new ConstitutionCommands(new EventStore(dataSource, registry, [new ConstitutionProjection()]), queries);
    var actor = new Actor("bench", "Bench");
    var text = "# Long history\n\n" + string.Concat(Enumerable.Range(0, 20).Select(s => $"## Section {s}\n\n{new string('w', 400)}\n\n"));
    await commands.CreateAsync(actor, new CreateConstitution("long", "Long", "", Visibility.Public, text, ""), Guid.NewGuid());
    var fill = Stopwatch.StartNew();
    for (var r = 2; r <= revisions; r++)
    {
        text = text.Replace($"Section {r % 20}\n\n", $"Section {r % 20}\n\nr{r} ", StringComparison.Ordinal);
        await commands.SaveAsync(actor, "long", text, $"r{r}", r - 1, Guid.NewGuid(), mergeIfStale: false);
    }
    Console.WriteLine($"wrote {revisions:N0} revisions in {fill.Elapsed.TotalSeconds:F1} s ({revisions / fill.Elapsed.TotalSeconds:F0} saves/s through the full command path)");

    var open = new List<double>();
    var history = new List<double>();
    for (var i = 0; i < 50; i++)
    {
        var sw = Stopwatch.StartNew();
        var row = await queries.BySlugAsync("long");
        var head = await queries.RevisionAsync(row!.Id, row.HeadRevision);
        open.Add(sw.Elapsed.TotalMilliseconds);
        sw.Restart();
        var page = await queries.HistoryAsync(row.Id, before: null, limit: 50);
        history.Add(sw.Elapsed.TotalMilliseconds);
        if (head is null || page.Count != 50) throw new InvalidOperationException("unexpected read result");
    }
    var replay = Stopwatch.StartNew();
    var all = await store.ReadStreamAsync(ConstitutionStream.Id((await queries.BySlugAsync("long"))!.Id));
    var replayMs = replay.Elapsed.TotalMilliseconds;
    Console.WriteLine($"open a constitution with {revisions:N0} revisions: current revision p50 {Pct(open, 50):F2} ms, p99 {Pct(open, 99):F2} ms; " +
                      $"history page p50 {Pct(history, 50):F2} ms, p99 {Pct(history, 99):F2} ms");
    Console.WriteLine($"peer: replaying its whole stream ({all.Count:N0} events) takes {replayMs:F0} ms, " +
                      $"{replayMs / Pct(open, 50):F0}x the read-model open");
}
finally
{
    await pg.StopAsync();
    try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
}

static async Task<Result> Measure(string name, int total, int writers, Func<int, int, Task> append)
{
    var latencies = new double[total];
    var perWriter = total / writers;
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, writers).Select(async w =>
    {
        for (var i = 0; i < perWriter; i++)
        {
            var t = Stopwatch.GetTimestamp();
            await append(w, i);
            latencies[w * perWriter + i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }
    }));
    var result = new Result(perWriter * writers / sw.Elapsed.TotalSeconds, Pct(latencies, 50), Pct(latencies, 99));
    Console.WriteLine($"{name,-20} {result.PerSecond,8:F0} appends/s   p50 {result.P50:F2} ms   p99 {result.P99:F2} ms");
    return result;
}

static async Task PlainInsert(NpgsqlDataSource dataSource, string stream, long version, string data, string meta)
{
    await using var command = dataSource.CreateCommand(
        "insert into plain_events (id, stream_id, version, type, data, metadata) values (@id, @s, @v, 'noted', @d::jsonb, @m::jsonb)");
    command.Parameters.AddWithValue("id", Guid.NewGuid());
    command.Parameters.AddWithValue("s", stream);
    command.Parameters.AddWithValue("v", version);
    command.Parameters.AddWithValue("d", data);
    command.Parameters.AddWithValue("m", meta);
    await command.ExecuteNonQueryAsync();
}

static double Pct(IEnumerable<double> values, int p)
{
    var sorted = values.Order().ToArray();
    return sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];
}

static async Task<string> Scalar(NpgsqlDataSource dataSource, string sql)
{
    await using var command = dataSource.CreateCommand(sql);
    return (await command.ExecuteScalarAsync())?.ToString() ?? "";
}

internal sealed record Result(double PerSecond, double P50, double P99);
internal sealed record Noted(string Text);
