// Event store figures on Marten, each against a peer measured in the same run on the same PostgreSQL:
//  1. single-event appends through our append path (EventStreams: expected version, event id as idempotency key,
//     metadata, commit hook with NOTIFY), in Marten's Quick and Rich append modes, against a plain INSERT of the same
//     row shape (throughput and latency percentiles);
//  2. saving revisions through the full command path (decide, merge check, append, inline read model);
//  3. opening a constitution with that many revisions (current revision, first history page);
//  4. the state of that long stream: a live aggregation of every event, against the read model plus the tail;
//  5. rebuilding every projection (inline and async) from the events.
// Usage: dotnet run -c Release --project bench/EventStoreBench [-- appends=2000 revisions=10000 writers=4 rebuild=100000 analyze=1]
using System.Diagnostics;
using System.Text.Json;
using ConstitutionHub.Core.Database;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Streams;
using JasperFx.Events;
using Marten;
using Npgsql;

var options = args.Select(a => a.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => int.Parse(p[1]));
var appends = options.GetValueOrDefault("appends", 2000);
var revisions = options.GetValueOrDefault("revisions", 10_000);
var writers = options.GetValueOrDefault("writers", 4);
var rebuildEvents = options.GetValueOrDefault("rebuild", 100_000);
var analyze = options.GetValueOrDefault("analyze", 1) != 0;

var root = Path.Combine(Path.GetTempPath(), $"chub-bench-{Guid.NewGuid():N}");
await using var pg = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { RootDirectory = root, Database = "bench" });
pg.RemoveWhenProcessExits(Environment.ProcessId);
try
{
    var testEvents = new Dictionary<string, Type> { ["noted"] = typeof(Noted) };
    void Bench(StoreOptions o) => o.Events.MapEventType<Noted>("noted");
    await using var dataSource = NpgsqlDataSource.Create(HubMarten.WithSearchPath(pg.ConnectionString));
    var commits = new CommitAnnouncer(dataSource, testEvents);
    using var quick = HubMarten.CreateStore(pg.ConnectionString, commits, Bench);
    // Rich mode in a schema of its own: the two modes install different append functions.
    using var rich = HubMarten.CreateStore(pg.ConnectionString, commits, o =>
    {
        Bench(o);
        o.Events.AppendMode = EventAppendMode.Rich;
        o.DatabaseSchemaName = o.Events.DatabaseSchemaName = "hub_rich";
    });
    await quick.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    await rich.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    await using (var create = dataSource.CreateCommand("""
        create table plain_events (seq bigserial primary key, id uuid not null unique, stream_id text not null, version bigint not null,
            type text not null, data jsonb not null, metadata jsonb not null, created timestamptz not null default now(),
            unique (stream_id, version))
        """))
        await create.ExecuteNonQueryAsync();

    var quickStreams = new EventStreams(quick, dataSource);
    var richStreams = new EventStreams(rich, dataSource);
    var meta = new EventMetadata("bench", "Bench", DateTimeOffset.UtcNow, Guid.NewGuid());
    var payload = new Noted(new string('x', 200));
    var dataJson = JsonSerializer.Serialize(payload, HubJson.Options);
    var metaJson = JsonSerializer.Serialize(meta, HubJson.Options);

    Console.WriteLine($"PostgreSQL {await Scalar(dataSource, "show server_version")}, fsync {await Scalar(dataSource, "show fsync")}, " +
                      $"{Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}; " +
                      $"{appends} appends per side, {writers} concurrent writers");

    // Warm every path (connections, plans, Marten's generated code).
    for (var i = 0; i < 50; i++)
    {
        await quickStreams.AppendAsync($"warm-q-{i}", ExpectedVersion.NoStream, [new NewEvent(Guid.NewGuid(), payload)], meta);
        await richStreams.AppendAsync($"warm-r-{i}", ExpectedVersion.NoStream, [new NewEvent(Guid.NewGuid(), payload)], meta);
        await PlainInsert(dataSource, $"warm-{i}", 1, dataJson, metaJson);
    }

    await TraceAsync(pg, dataSource, "single-event appends", async () =>
    {
        await quickStreams.AppendAsync("trace-q", ExpectedVersion.NoStream, [new NewEvent(Guid.NewGuid(), payload)], meta);
        await quickStreams.AppendAsync("trace-q", 1, [new NewEvent(Guid.NewGuid(), payload)], meta);
    });

    // Interleaved rounds, so a change in the machine's load falls on every side alike.
    // Each writer appends to a stream of its own (the i-th append expects version i).
    var sides = new (string Name, Func<string, int, Task> Append)[]
    {
        ("Marten Quick append", (stream, i) => quickStreams.AppendAsync($"q{stream}", i, [new NewEvent(Guid.NewGuid(), payload)], meta)),
        ("Marten Rich append", (stream, i) => richStreams.AppendAsync($"r{stream}", i, [new NewEvent(Guid.NewGuid(), payload)], meta)),
        ("plain INSERT", (stream, i) => PlainInsert(dataSource, $"p{stream}", i + 1, dataJson, metaJson)),
    };
    // With several writers our appends go to Marten in groups (EventStreams' group commit); one writer shows the
    // cost of a single append alone, where no grouping is possible.
    const int rounds = 4;
    foreach (var writerCount in new[] { writers, 1 }.Distinct())
    {
        var latencies = sides.ToDictionary(s => s.Name, _ => new List<double>());
        var elapsed = sides.ToDictionary(s => s.Name, _ => 0.0);
        // Where the time goes: CPU of this process (the client: Marten, Npgsql, our code) and of every PostgreSQL
        // process, per append; on a 2-core machine both come out of the same budget.
        var clientCpu = sides.ToDictionary(s => s.Name, _ => 0.0);
        var serverCpu = sides.ToDictionary(s => s.Name, _ => 0.0);
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, append) in sides)
            {
                var client = Process.GetCurrentProcess().TotalProcessorTime;
                var server = ServerCpuSeconds(pg.DataDirectory);
                var (seconds, ms) = await Measure(appends / rounds, writerCount, (w, i) => append($"{writerCount}w{round}-{w}", i));
                clientCpu[name] += (Process.GetCurrentProcess().TotalProcessorTime - client).TotalSeconds;
                serverCpu[name] += ServerCpuSeconds(pg.DataDirectory) - server;
                elapsed[name] += seconds;
                latencies[name].AddRange(ms);
            }
        }
        var results = sides.Select(s => (s.Name, PerSecond: latencies[s.Name].Count / elapsed[s.Name], P50: Pct(latencies[s.Name], 50), P99: Pct(latencies[s.Name], 99)))
            .ToDictionary(r => r.Name);
        foreach (var r in results.Values)
            Console.WriteLine($"{writerCount} writer(s) {r.Name,-22} {r.PerSecond,8:F0} appends/s   p50 {r.P50:F2} ms   p99 {r.P99:F2} ms   CPU per append: client " +
                              $"{1e6 * clientCpu[r.Name] / latencies[r.Name].Count:F0} us, PostgreSQL {1e6 * serverCpu[r.Name] / latencies[r.Name].Count:F0} us");
        var plain = results["plain INSERT"];
        foreach (var name in new[] { "Marten Quick append", "Marten Rich append" })
        {
            var r = results[name];
            Console.WriteLine($"{writerCount} writer(s) ratio ({name} / plain INSERT): throughput {r.PerSecond / plain.PerSecond:F2}x, p50 {r.P50 / plain.P50:F2}x, p99 {r.P99 / plain.P99:F2}x");
        }
    }

    // A constitution with many revisions, saved through the full command path (Quick mode, as the app runs).
    var queries = new ConstitutionQueries(dataSource);
    var commands = new ConstitutionCommands(quickStreams, queries);
    var actor = new Actor("bench", "Bench");
    var text = "# Long history\n\n" + string.Concat(Enumerable.Range(0, 20).Select(s => $"## Section {s}\n\n{new string('w', 400)}\n\n"));
    await commands.CreateAsync(actor, new CreateConstitution("long", "Long", "", Visibility.Public, text, ""), Guid.NewGuid());
    await TraceAsync(pg, dataSource, "one save through the command path", () =>
        commands.SaveAsync(actor, "long", text + "traced", "traced", 1, Guid.NewGuid(), mergeIfStale: false));
    var fill = Stopwatch.StartNew();
    for (var r = 3; r <= revisions; r++)
    {
        text = text.Replace($"Section {r % 20}\n\n", $"Section {r % 20}\n\nr{r} ", StringComparison.Ordinal);
        await commands.SaveAsync(actor, "long", text, $"r{r}", r - 1, Guid.NewGuid(), mergeIfStale: false);
    }
    Console.WriteLine($"wrote {revisions:N0} revisions in {fill.Elapsed.TotalSeconds:F1} s ({revisions / fill.Elapsed.TotalSeconds:F0} saves/s through the full command path)");

    // What of a save is the domain's own work, not the event store's: deciding on the final, longest text.
    var finalState = (await queries.StateAsync("long"))!;
    var decide = new List<double>();
    for (var i = 0; i < 50; i++)
    {
        var sw = Stopwatch.StartNew();
        ConstitutionDecisions.Save(finalState, finalState.HeadMarkdown + $"\n\nmore {i}", "d", finalState.Head, finalState.HeadMarkdown,
            ConstitutionCommands.NewSectionId);
        decide.Add(sw.Elapsed.TotalMilliseconds);
    }
    Console.WriteLine($"  of which deciding (validate, parse sections, assign ids) on the final {finalState.HeadMarkdown.Length / 1000} KB text: " +
                      $"p50 {Pct(decide, 50):F2} ms per save");

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
    Console.WriteLine($"open a constitution with {revisions:N0} revisions: current revision p50 {Pct(open, 50):F2} ms, p99 {Pct(open, 99):F2} ms; " +
                      $"history page p50 {Pct(history, 50):F2} ms, p99 {Pct(history, 99):F2} ms");

    // The state of the long stream: replaying it whole (every revision carries its whole text) against the read
    // model's state plus a live aggregation of only the events after it.
    var streamId = ConstitutionStream.Id((await queries.BySlugAsync("long"))!.Id);
    var replay = Stopwatch.StartNew();
    var all = await quickStreams.ReadStreamAsync(streamId);
    var fetchedMs = replay.Elapsed.TotalMilliseconds;
    var replayed = ConstitutionState.From(all.Select(e => e.Data));
    var replayMs = replay.Elapsed.TotalMilliseconds;
    await using (var size = dataSource.CreateCommand($"select sum(pg_column_size(data)), sum(length(data::text)) from mt_events where stream_id = '{streamId}'"))
    await using (var reader = await size.ExecuteReaderAsync())
    {
        await reader.ReadAsync();
        Console.WriteLine($"live aggregation of all {all.Count:N0} events: {replayMs:F0} ms ({replayMs / all.Count:F3} ms per event; reading them {fetchedMs:F0} ms " +
                          $"of it), {reader.GetInt64(1) / 1e6:F0} MB of JSON ({reader.GetInt64(0) / 1e6:F0} MB stored): every revision holds its whole text");
    }
    var tail = new List<double>();
    ConstitutionState? cheap = null;
    for (var i = 0; i < 50; i++)
    {
        var sw = Stopwatch.StartNew();
        var state = (await queries.StateAsync("long"))!;
        var after = await quickStreams.ReadStreamAsync(streamId, state.Version + 1);
        cheap = after.Aggregate(state, (s, e) => s.Apply(e.Data));
        tail.Add(sw.Elapsed.TotalMilliseconds);
    }
    if (cheap!.Version != replayed.Version || cheap.HeadMarkdown != replayed.HeadMarkdown) throw new InvalidOperationException("states differ");
    Console.WriteLine($"read-model state + live tail: p50 {Pct(tail, 50):F2} ms, p99 {Pct(tail, 99):F2} ms; {replayMs / Pct(tail, 50):F0}x faster than the replay");

    // Rebuild every projection over a log of about rebuildEvents events: mostly chat token batches, as a busy hub's is.
    await FillForRebuildAsync(quickStreams, rebuildEvents - (int)await Count(dataSource), meta);
    var total = await Count(dataSource);
    // A production log has been analyzed by autovacuum long before a rebuild; a log filled a moment ago has no
    // statistics yet, and the daemon's page query then runs several times slower (analyze=0 shows it).
    if (analyze) await Scalar(dataSource, "analyze mt_events; analyze mt_streams");
    using var daemon = await quick.BuildProjectionDaemonAsync();
    var rebuild = Stopwatch.StartNew();
    foreach (var projection in new[] { ConstitutionProjection.ProjectionName, ConstitutionHub.Core.Chats.ChatProjection.ProjectionName,
                 ConstitutionHub.Core.Sharing.ShareLinkProjection.ProjectionName, SearchIndexProjection.ProjectionName,
                 ConstitutionHub.Core.Activity.ActivityProjection.ProjectionName, ConstitutionStatsProjection.ProjectionName })
    {
        var one = Stopwatch.StartNew();
        await daemon.RebuildProjectionAsync(projection, TimeSpan.FromMinutes(30), CancellationToken.None);
        Console.WriteLine($"  rebuild {projection,-20} {one.Elapsed.TotalSeconds,6:F1} s ({total / one.Elapsed.TotalSeconds:F0} events/s read)");
    }
    Console.WriteLine($"rebuild of every projection over {total:N0} events{(analyze ? "" : " (not analyzed)")}: {rebuild.Elapsed.TotalSeconds:F1} s " +
                      $"({6 * total / rebuild.Elapsed.TotalSeconds:F0} events/s over 6 projections)");
    if ((await queries.StateAsync("long"))!.HeadMarkdown != replayed.HeadMarkdown) throw new InvalidOperationException("rebuild differs");
}
finally
{
    await pg.StopAsync();
    try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
}

// With BENCH_TRACE=1: the statements PostgreSQL receives for one step, from the server's log (profiling aid).
static async Task TraceAsync(EmbeddedPostgres pg, NpgsqlDataSource dataSource, string what, Func<Task> step)
{
    if (Environment.GetEnvironmentVariable("BENCH_TRACE") != "1")
    {
        await step();
        return;
    }
    await Scalar(dataSource, "alter system set log_statement = 'all'");
    await Scalar(dataSource, "select pg_reload_conf()");
    await Task.Delay(300); // a reload reaches every backend asynchronously; tracing only, not measured
    var from = new FileInfo(pg.LogFile).Length;
    await step();
    await Task.Delay(300); // the post-commit notification goes out after the step returns
    await Scalar(dataSource, "alter system reset log_statement");
    await Scalar(dataSource, "select pg_reload_conf()");
    using var log = new FileStream(pg.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
    log.Seek(from, SeekOrigin.Begin);
    Console.WriteLine($"--- statements of {what}:");
    foreach (var line in new StreamReader(log).ReadToEnd().Split('\n').Where(l => l.Contains("LOG:  ", StringComparison.Ordinal)))
        Console.WriteLine("  " + line[(line.IndexOf("LOG:  ", StringComparison.Ordinal) + 6)..][..Math.Min(160, line.Length - line.IndexOf("LOG:  ", StringComparison.Ordinal) - 6)]);
}

// Chats until the log holds about `events` more events: each chat a question and a reply streamed as 1,000 token
// batches (a reply is capped at 32,768 new tokens and the batcher sends several tokens per event, so real replies
// have fewer). One endless reply would measure something else: each batch appends to the reply's text, so a reply
// of n batches costs n^2 to project, which no real reply reaches.
static async Task FillForRebuildAsync(EventStreams streams, int events, EventMetadata meta)
{
    const int BatchesPerReply = 1000;
    var provenance = new ConstitutionHub.Core.Chats.ChatProvenance(Guid.NewGuid(), "long", 1, new Dictionary<string, string>(), "prompt", "sha256:x",
        new ConstitutionHub.Core.Chats.ModelRecord("m", new string('a', 64), "cpu"),
        new ConstitutionHub.Core.Chats.SamplingRecord(0.7, 40, 0.9, 0.05, 1.1, 128, 1, []));
    for (var written = 0; written < events; written += 4 + BatchesPerReply)
    {
        var chatId = Guid.NewGuid();
        var messageId = Guid.NewGuid();
        var replyId = Guid.NewGuid();
        var stream = ConstitutionHub.Core.Chats.ChatStream.Id(chatId);
        await streams.AppendAsync(stream, ExpectedVersion.NoStream,
        [
            new(Guid.NewGuid(), new ConstitutionHub.Core.Chats.ChatStarted(chatId, provenance, "bench", "Bench", "Rebuild")),
            new(Guid.NewGuid(), new ConstitutionHub.Core.Chats.UserMessagePosted(messageId, null, "Go on.")),
            new(Guid.NewGuid(), new ConstitutionHub.Core.Chats.ReplyStarted(replyId, messageId, null, "bench")),
        ], meta);
        long version = 3;
        for (var batch = 0; batch < BatchesPerReply; batch += 100)
        {
            var tokens = Enumerable.Range(batch, 100)
                .Select(i => new NewEvent(Guid.NewGuid(), new ConstitutionHub.Core.Chats.ReplyTokensAppended(replyId, "token ", i + 1))).ToList();
            version = (await streams.AppendAsync(stream, version, tokens, meta)).Version;
        }
        await streams.AppendAsync(stream, version,
            [new(Guid.NewGuid(), new ConstitutionHub.Core.Chats.ReplyCompleted(replyId, "stop", 10, BatchesPerReply, 100, 50))], meta);
    }
}

static async Task<(double Seconds, double[] Latencies)> Measure(int total, int writers, Func<int, int, Task> append)
{
    var latencies = new double[total / writers * writers];
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
    return (sw.Elapsed.TotalSeconds, latencies);
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

// CPU seconds (user + system) of the postmaster and every process it started, from /proc.
static double ServerCpuSeconds(string dataDirectory)
{
    var postmaster = int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).First());
    double ticks = 0;
    foreach (var dir in Directory.EnumerateDirectories("/proc"))
    {
        if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
        string stat;
        try { stat = File.ReadAllText(Path.Combine(dir, "stat")); } catch (IOException) { continue; } catch (UnauthorizedAccessException) { continue; }
        // Fields after the command name, which is in parentheses and may hold spaces: state ppid ... utime(12) stime(13).
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var parent = int.Parse(fields[1]);
        if (pid == postmaster || parent == postmaster) ticks += long.Parse(fields[11]) + long.Parse(fields[12]);
    }
    return ticks / 100.0; // USER_HZ is 100 on Linux
}

static async Task<long> Count(NpgsqlDataSource dataSource) => long.Parse(await Scalar(dataSource, "select count(*) from mt_events"));

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

internal sealed record Noted(string Text);
