using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConstitutionHub.Testing;
using ConstitutionHub.Web.Tests.Support;
using Npgsql;

namespace ConstitutionHub.Web.Tests.Streams;

/// <summary>Marten's async daemon in HotCold mode across web nodes, and the health page that shows its lag.</summary>
public sealed class AsyncDaemonTests
{
    private static Dictionary<string, string?> Settings(string connectionString, string node) => new()
    {
        ["ConnectionStrings:Hub"] = connectionString, ["Hub:NodeName"] = node, ["Logging:LogLevel:Default"] = "Warning",
    };

    [Fact]
    public async Task When_the_node_running_the_async_projections_dies_another_node_takes_over_and_catches_up()
    {
        var cs = await TestPostgres.CreateDatabaseAsync("daemon_takeover");
        var a = await HubServer.StartWithAsync(Settings(cs, "node-a"));
        await using var b = await HubServer.StartWithAsync(Settings(cs, "node-b"));
        try
        {
            // Node A started first and took the daemon's lock; the baseline it seeded is indexed.
            await a.AsyncProjectionsCaughtUpAsync();
            Assert.True(await AdvisoryLockHoldersAsync(cs) > 0, "no node holds the daemon's lock");
        }
        finally
        {
            // Killed, as the database sees it: its sessions end at once and its locks with them; then the process goes.
            await TerminateAdvisoryLockHoldersAsync(cs);
            await a.DisposeAsync();
        }

        var client = await b.SignedInClientAsync("Bea");
        var created = await client.PostAsJsonAsync("/api/constitutions",
            new { slug = "after-takeover", title = "After takeover", markdown = "# After\n\nA sesquipedalian sentence.\n" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        await b.AsyncProjectionsCaughtUpAsync();
        var hits = await b.Client().GetFromJsonAsync<JsonElement>("/api/constitutions?q=sesquipedalian");
        Assert.Contains(hits.EnumerateArray(), h => h.GetProperty("slug").GetString() == "after-takeover");
        var health = await b.Client().GetFromJsonAsync<JsonElement>("/api/health");
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.All(health.GetProperty("projections").EnumerateArray(), p => Assert.Equal(0, p.GetProperty("lag").GetInt64()));
    }

    [Fact]
    public async Task The_health_page_shows_each_async_projection_and_how_far_it_is_behind()
    {
        await using var server = await HubServer.StartAsync("daemon_health");
        await server.AsyncProjectionsCaughtUpAsync();

        var json = await server.Client().GetFromJsonAsync<JsonElement>("/api/health");
        Assert.Equal(["activity", "constitution_stats", "notifications", "search_index"],
            json.GetProperty("projections").EnumerateArray().Select(p => p.GetProperty("name").GetString()).Order());
        Assert.True(json.GetProperty("events").GetInt64() >= 2, "the baseline's events are counted");

        var page = await server.Client().GetStringAsync("/admin/health");
        Assert.Contains("search_index", page, StringComparison.Ordinal);
        Assert.Contains("Behind by", page, StringComparison.Ordinal);
    }

    private static async Task<long> AdvisoryLockHoldersAsync(string cs)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select count(distinct pid) from pg_locks where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())",
            connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task TerminateAdvisoryLockHoldersAsync(string cs)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            select pg_terminate_backend(pid) from (select distinct pid from pg_locks where locktype = 'advisory' and granted
              and database = (select oid from pg_database where datname = current_database())) holders
            """, connection);
        await command.ExecuteNonQueryAsync();
    }
}
