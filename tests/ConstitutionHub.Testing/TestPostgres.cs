using ConstitutionHub.Core.Database;
using Npgsql;

namespace ConstitutionHub.Testing;

/// <summary>
/// One real PostgreSQL cluster per test process, started from the server binaries on the machine (the same
/// <see cref="EmbeddedPostgres"/> the app runs by default). Each test class takes a database of its own.
/// </summary>
public static class TestPostgres
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static EmbeddedPostgres? server;
    private static int counter;

    public static async Task<EmbeddedPostgres> ServerAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (server is not null) return server;
            var root = Path.Combine(Path.GetTempPath(), $"chub-tests-{Environment.ProcessId}");
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
            server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions
            {
                RootDirectory = root,
                Fsync = false,
                Database = "postgres",
            });
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                server.StopAsync().GetAwaiter().GetResult();
                try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            };
            return server;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A new, migrated database; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string hint)
    {
        var pg = await ServerAsync();
        var name = $"t{Interlocked.Increment(ref counter)}_{new string(hint.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(40).ToArray())}";
        await pg.CreateDatabaseAsync(name);
        var connectionString = pg.ConnectionStringFor(name);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await Migrator.ApplyAsync(dataSource);
        return connectionString;
    }
}
