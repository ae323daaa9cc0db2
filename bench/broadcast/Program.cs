// Live share broadcast: one chat streaming to N viewers of a live share link, on loopback.
//   delay = token batch appended (just before ChatCommands.AppendTokensAsync) -> received by a viewer,
// through the whole path: the append (decide, insert, commit), the broadcaster's hand-over of the committed events,
// the delta and the SignalR group send. The peer, in the same
// run and to the same number of clients: a bare WebSocket broadcast of the same messages from the same server.
// A second share phase appends through an event store of its own, as another web node would: the broadcaster then
// hears of the append only from PostgreSQL.
// Viewers run in a child process (this program with "clients"), so the server's CPU figure is its own.
// Usage: dotnet run -c Release --project bench/broadcast [-- viewers=1,20,200 batches=100 interval=50]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Database;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Web;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;

if (args.FirstOrDefault() == "clients") return await Clients.RunAsync(args[1..]);

var options = args.Select(a => a.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
var viewerCounts = options.GetValueOrDefault("viewers", "1,20,200").Split(',').Select(int.Parse).ToList();
var batches = int.Parse(options.GetValueOrDefault("batches", "100"), CultureInfo.InvariantCulture);
var interval = int.Parse(options.GetValueOrDefault("interval", "50"), CultureInfo.InvariantCulture);

var root = Path.Combine(Path.GetTempPath(), $"chub-broadcast-{Guid.NewGuid():N}");
await using var pg = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions
{
    RootDirectory = root, Database = "bench", Fsync = false, Port = 55000 + Environment.ProcessId % 1000,
});
var app = await HubApp.BuildAsync(["--urls", "http://127.0.0.1:0", "--environment", "Development"], builder =>
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["ConnectionStrings:Hub"] = pg.ConnectionString,
        ["Logging:LogLevel:Default"] = "Warning",
        // Hundreds of viewers from one loopback address would otherwise be taken for a guesser.
        ["Sharing:RequestsPerMinute"] = "1000000",
    }));
var bare = new BareBroadcast();
app.UseWebSockets();
app.Map("/bench/ws", bare.AcceptAsync);
await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
var commands = app.Services.GetRequiredService<ChatCommands>();
var links = app.Services.GetRequiredService<ShareLinks>();
// A second node: a Marten store and commit hook of its own on the same database.
var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
var otherCommits = new CommitAnnouncer(dataSource);
using var otherStore = HubMarten.CreateStore(pg.ConnectionString, otherCommits);
var otherNode = new ChatCommands(new EventStreams(otherStore, dataSource), app.Services.GetRequiredService<ChatQueries>(),
    app.Services.GetRequiredService<ConstitutionQueries>());
// When each marked batch committed, so the viewers can also report commit -> received: the broadcast's own part.
var committed = new ConcurrentDictionary<string, long>();
void HearCommit(IReadOnlyList<StoredEvent> events)
{
    var now = DateTime.UtcNow.Ticks;
    foreach (var e in events)
        if (e.Data is ReplyTokensAppended appended && Marker.Pattern().Match(appended.TextDelta) is { Success: true } m)
            committed.TryAdd($"{m.Groups[1].Value}{m.Groups[2].Value}", now);
}
using var hearLocal = app.Services.GetRequiredService<CommitAnnouncer>().OnCommitted(HearCommit);
using var hearOther = otherCommits.OnCommitted(HearCommit);
// Let start-up work (read models, background services) settle so it is not billed to the first row.
await Task.Delay(3000);
var owner = new Actor("local:bench", "Bench");

Console.WriteLine($"{Environment.ProcessorCount} cores; {batches} batches per side, one every {interval} ms; loopback; PostgreSQL fsync off");
Console.WriteLine();
Console.WriteLine("viewers | share p50/p99 ms | after commit | other node p50/p99 ms | after commit | bare WS p50/p99 ms | share / bare p50, p99 | other node / bare p50, p99 | server CPU share / other / appends alone / bare | broadcast CPU (share - appends alone) / bare | lost");
Console.WriteLine("--------|------------------|--------------|-----------------------|--------------|--------------------|-----------------------|----------------------------|-------------------------------------------------|---------------------------------------------|-----");
// A first row with one viewer, not printed: the first seconds of a process pay for tiered JIT compilation and
// connection pools, which a long-running server has behind it. Without it the first printed row bills them to
// whichever phase comes first (the figure quoted as "47% of a core at one viewer").
if (options.GetValueOrDefault("warmup", "1") != "0") await RowAsync(1, print: false);
foreach (var n in viewerCounts) await RowAsync(n, print: true);
Console.WriteLine();
Console.WriteLine("share: batch made (before ChatCommands.AppendTokensAsync) -> received by a viewer; the append's own work is inside it.");
Console.WriteLine("after commit: the same batch from its commit (the store's committed hand-over) -> received: what the broadcast adds.");
Console.WriteLine("other node: appended through a second event store, as another web node would; heard only through PostgreSQL.");
Console.WriteLine("server CPU: this process's processor time over the phase's wall time (100% = one core), appends included; PostgreSQL not counted.");
Console.WriteLine("appends alone: the same appends to a chat nobody watches; broadcast CPU = share - appends alone, the part the peer does.");
await app.StopAsync();
return 0;

async Task RowAsync(int n, bool print)
{
    var chat = await commands.StartAsync(owner, new StartChat("baseline", 1, new Dictionary<string, string>(),
        new ModelRecord("bench-model", new string('b', 64), "CPUExecutionProvider"), new SamplingRecord(0.7, 40, 0.95, 0.05, 1.1, 256, 1, [])),
        Guid.NewGuid());
    var user = await commands.PostUserMessageAsync(owner, chat.Id, null, "Stream for the benchmark", Guid.NewGuid());
    var reply = await commands.StartReplyAsync(owner, chat.Id, user, null, "bench", Guid.NewGuid());
    var token = (await links.CreateAsync(owner, chat.Id, ShareMode.Live)).Token;

    using var child = Process.Start(new ProcessStartInfo("dotnet",
        new[] { typeof(Clients).Assembly.Location, "clients", address, token, n.ToString(CultureInfo.InvariantCulture), batches.ToString(CultureInfo.InvariantCulture) })
    {
        RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false,
    })!;
    var ready = await child.StandardOutput.ReadLineAsync();
    if (ready != "ready") throw new InvalidOperationException($"The viewers did not start: {ready}");
    await bare.WaitForAsync(n);

    // Warm-up, unmeasured (no marker): the first appends and sends of a run pay for JIT and connection pools.
    var tokens = 0;
    for (var k = 0; k < 20; k++)
    {
        await commands.AppendTokensAsync(Actor.System, chat.Id, reply, "warm ", ++tokens, Guid.NewGuid());
        await otherNode.AppendTokensAsync(Actor.System, chat.Id, reply, "warm ", ++tokens, Guid.NewGuid());
        await bare.SendAsync("warm ");
        await Task.Delay(interval / 5);
    }
    var shareCpu = await MeasureCpuAsync(async () =>
    {
        for (var k = 0; k < batches; k++)
        {
            await commands.AppendTokensAsync(Actor.System, chat.Id, reply, Marker.Make('S', k), ++tokens, Guid.NewGuid());
            await Task.Delay(interval);
        }
        await Task.Delay(1000);
    });
    var otherCpu = await MeasureCpuAsync(async () =>
    {
        for (var k = 0; k < batches; k++)
        {
            await otherNode.AppendTokensAsync(Actor.System, chat.Id, reply, Marker.Make('R', k), ++tokens, Guid.NewGuid());
            await Task.Delay(interval);
        }
        await Task.Delay(1000);
    });
    // The same appends to a chat without a live link: what the share phase costs before any broadcast.
    var quiet = await commands.StartAsync(owner, new StartChat("baseline", 1, new Dictionary<string, string>(),
        new ModelRecord("bench-model", new string('b', 64), "CPUExecutionProvider"), new SamplingRecord(0.7, 40, 0.95, 0.05, 1.1, 256, 1, [])),
        Guid.NewGuid());
    var quietUser = await commands.PostUserMessageAsync(owner, quiet.Id, null, "Nobody watches", Guid.NewGuid());
    var quietReply = await commands.StartReplyAsync(owner, quiet.Id, quietUser, null, "bench", Guid.NewGuid());
    var quietTokens = 0;
    var appendCpu = await MeasureCpuAsync(async () =>
    {
        for (var k = 0; k < batches; k++)
        {
            await commands.AppendTokensAsync(Actor.System, quiet.Id, quietReply, Marker.Make('Q', k), ++quietTokens, Guid.NewGuid());
            await Task.Delay(interval);
        }
        await Task.Delay(1000);
    });
    await commands.CompleteReplyAsync(Actor.System, quiet.Id, quietReply, "stop", 1, quietTokens, 1, 1, Guid.NewGuid());
    var bareCpu = await MeasureCpuAsync(async () =>
    {
        for (var k = 0; k < batches; k++)
        {
            await bare.SendAsync(Marker.Make('W', k));
            await Task.Delay(interval);
        }
        await Task.Delay(1000);
    });
    await child.StandardInput.WriteLineAsync(JsonSerializer.Serialize(committed));
    committed.Clear();
    var report = JsonSerializer.Deserialize<Report>(await child.StandardOutput.ReadLineAsync() ?? "{}", Report.Json)!;
    await child.WaitForExitAsync();
    await commands.CompleteReplyAsync(Actor.System, chat.Id, reply, "stop", 1, tokens, 1, 1, Guid.NewGuid());
    bare.Clear();

    if (!print) return;
    var broadcastCpu = Math.Max(0, shareCpu - appendCpu);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{n,7} | {$"{report.ShareP50:0.0} / {report.ShareP99:0.0}",16} | {$"{report.ShareCommitP50:0.0} / {report.ShareCommitP99:0.0}",12} | " +
        $"{$"{report.OtherP50:0.0} / {report.OtherP99:0.0}",21} | {$"{report.OtherCommitP50:0.0} / {report.OtherCommitP99:0.0}",12} | " +
        $"{$"{report.BareP50:0.0} / {report.BareP99:0.0}",18} | {Ratios(report.ShareP50, report.ShareP99, report),21} | " +
        $"{Ratios(report.OtherP50, report.OtherP99, report),26} | " +
        $"{$"{shareCpu:0.0}% / {otherCpu:0.0}% / {appendCpu:0.0}% / {bareCpu:0.0}%",47} | " +
        $"{$"{broadcastCpu:0.0}% / {bareCpu:0.0}% = {broadcastCpu / Math.Max(bareCpu, 0.01):0.0}x",43} | {report.Lost}"));
}

static string Ratios(double p50, double p99, Report bare) => string.Create(CultureInfo.InvariantCulture,
    $"{p50 / Math.Max(bare.BareP50, 0.001):0.0}x, {p99 / Math.Max(bare.BareP99, 0.001):0.0}x");

static async Task<double> MeasureCpuAsync(Func<Task> phase)
{
    var process = Process.GetCurrentProcess();
    var cpu = process.TotalProcessorTime;
    var wall = Stopwatch.StartNew();
    await phase();
    process.Refresh();
    return (process.TotalProcessorTime - cpu).TotalMilliseconds / wall.Elapsed.TotalMilliseconds * 100;
}

public sealed record Report(double ShareP50, double ShareP99, double ShareCommitP50, double ShareCommitP99, double OtherP50, double OtherP99,
    double OtherCommitP50, double OtherCommitP99, double BareP50, double BareP99, int Lost)
{
    /// <summary>A side that received nothing reports NaN rather than failing the run.</summary>
    public static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
}

/// <summary>"[S12:638…]": side, batch number and the UTC ticks when it was produced, parsed back by the viewers.</summary>
public static partial class Marker
{
    public static string Make(char side, int k) => $"[{side}{k}:{DateTime.UtcNow.Ticks}] ";

    [GeneratedRegex(@"\[([SRW])(\d+):(\d+)\]")]
    public static partial Regex Pattern();
}

/// <summary>The peer: the same messages written to plain WebSockets, one send per client, no protocol around them.</summary>
public sealed class BareBroadcast
{
    private readonly ConcurrentDictionary<WebSocket, SemaphoreSlim> sockets = new();

    public async Task AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest) { context.Response.StatusCode = 400; return; }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        sockets[socket] = new SemaphoreSlim(1, 1);
        var buffer = new byte[256];
        try
        {
            while (socket.State == WebSocketState.Open && !(await socket.ReceiveAsync(buffer, context.RequestAborted)).CloseStatus.HasValue) { }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
        sockets.TryRemove(socket, out _);
    }

    public async Task WaitForAsync(int n)
    {
        while (sockets.Count < n) await Task.Delay(20);
    }

    public Task SendAsync(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return Task.WhenAll(sockets.Select(async pair =>
        {
            await pair.Value.WaitAsync();
            try { await pair.Key.SendAsync(bytes, WebSocketMessageType.Text, true, CancellationToken.None); }
            catch (WebSocketException) { }
            finally { pair.Value.Release(); }
        }));
    }

    public void Clear() => sockets.Clear();
}

/// <summary>The viewer side: N SignalR viewers joined to the share and N bare WebSocket clients.</summary>
public static class Clients
{
    public static async Task<int> RunAsync(string[] args)
    {
        var (address, token, n, batches) = (args[0].TrimEnd('/'), args[1], int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture));
        // Every first receipt of a marked batch per viewer: side ('S' share appended on the server's node, 'R' share
        // appended by the other node, 'W' bare), batch, when it was made and when it arrived.
        var receipts = new ConcurrentBag<Receipt>();
        var connections = new List<HubConnection>();
        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < n; i++)
        {
            var seen = new ConcurrentDictionary<string, bool>();
            var connection = new HubConnectionBuilder().WithUrl($"{address}/hubs/share").Build();
            connection.On<JsonElement>("update", update =>
            {
                var now = DateTime.UtcNow.Ticks;
                foreach (var m in update.GetProperty("messages").EnumerateArray())
                    Record(m.GetProperty("text").GetString() ?? "", now, seen, receipts);
            });
            connection.On<int>("viewers", _ => { });
            await connection.StartAsync();
            await connection.InvokeAsync<JsonElement>("Join", token);
            connections.Add(connection);

            var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri($"{address.Replace("http", "ws")}/bench/ws"), CancellationToken.None);
            sockets.Add(socket);
            _ = ReceiveAsync(socket, receipts);
        }
        Console.WriteLine("ready");
        // The server answers with the commit time of every marked batch once all phases ran.
        var committed = JsonSerializer.Deserialize<Dictionary<string, long>>(await Console.In.ReadLineAsync() ?? "{}")!;
        List<double> Made(char side) => receipts.Where(r => r.Side == side).Select(r => Ms(r.Received - r.Made)).ToList();
        List<double> AfterCommit(char side) => receipts.Where(r => r.Side == side && committed.ContainsKey(r.Key))
            .Select(r => Ms(r.Received - committed[r.Key])).ToList();
        var (share, other, bare) = (Made('S'), Made('R'), Made('W'));
        var (shareCommit, otherCommit) = (AfterCommit('S'), AfterCommit('R'));
        Console.WriteLine(JsonSerializer.Serialize(new Report(P(share, 50), P(share, 99), P(shareCommit, 50), P(shareCommit, 99),
            P(other, 50), P(other, 99), P(otherCommit, 50), P(otherCommit, 99), P(bare, 50), P(bare, 99),
            3 * n * batches - receipts.Count), Report.Json));
        foreach (var c in connections) await c.DisposeAsync();
        return 0;
    }

    private sealed record Receipt(char Side, int Batch, long Made, long Received)
    {
        public string Key => $"{Side}{Batch}";
    }

    private static double Ms(long ticks) => TimeSpan.FromTicks(ticks).TotalMilliseconds;

    private static async Task ReceiveAsync(ClientWebSocket socket, ConcurrentBag<Receipt> receipts)
    {
        var buffer = new byte[4096];
        var seen = new ConcurrentDictionary<string, bool>();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.CloseStatus.HasValue) return;
                Record(Encoding.UTF8.GetString(buffer, 0, result.Count), DateTime.UtcNow.Ticks, seen, receipts);
            }
        }
        catch (WebSocketException) { }
    }

    /// <summary>Counts each batch once per viewer: the first delta of a feed may repeat text a viewer already has.</summary>
    private static void Record(string text, long now, ConcurrentDictionary<string, bool> seen, ConcurrentBag<Receipt> receipts)
    {
        foreach (Match match in Marker.Pattern().Matches(text))
        {
            var receipt = new Receipt(match.Groups[1].Value[0], int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture),
                long.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture), now);
            if (seen.TryAdd(receipt.Key, true)) receipts.Add(receipt);
        }
    }

    private static double P(List<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
