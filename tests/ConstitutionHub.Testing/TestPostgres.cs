using ConstitutionHub.Core.Database;
using ConstitutionHub.Core.Streams;
using Npgsql;

namespace ConstitutionHub.Testing;

/// <summary>
/// One real PostgreSQL cluster per test process, started from the server binaries on the machine (the same
/// <see cref="EmbeddedPostgres"/> the app runs by default). Each test class takes a database of its own, cloned
/// from a template that Marten migrated once. The cluster is stopped and its folder deleted when the test process
/// ends, also when it is killed or tests fail (<see cref="EmbeddedPostgres.RemoveWhenProcessExits"/>).
/// </summary>
public static class TestPostgres
{
    private const string Prefix = "chub-tests-";
    private const string Template = "hub_template";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static EmbeddedPostgres? server;
    private static bool templateReady;
    private static int counter;

    public static async Task<EmbeddedPostgres> ServerAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return await StartedAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<EmbeddedPostgres> StartedAsync()
    {
        if (server is not null) return server;
        await RemoveAbandonedAsync();
        var root = Path.Combine(Path.GetTempPath(), $"{Prefix}{Environment.ProcessId}");
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions
        {
            RootDirectory = root,
            Fsync = false,
            Database = "postgres",
            MaxConnections = 800,
        });
        server.RemoveWhenProcessExits(Environment.ProcessId);
        var started = server;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            // The quick way out of an orderly exit; the watchdog covers every other.
            started.StopAsync().GetAwaiter().GetResult();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return server;
    }

    /// <summary>Folders of test runs whose process is gone (killed before this cleanup existed).</summary>
    private static async Task RemoveAbandonedAsync()
    {
        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            if (!int.TryParse(Path.GetFileName(folder)[Prefix.Length..], out var pid) || IsAlive(pid)) continue;
            await EmbeddedPostgres.RemoveAbandonedAsync(folder);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Loads a plain-SQL dump (pg_dump's output) into <paramref name="connectionString"/>'s database with psql.</summary>
    public static async Task RestoreAsync(string connectionString, string sqlFile)
    {
        var pg = await ServerAsync();
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new System.Diagnostics.ProcessStartInfo(Path.Combine(pg.BinDirectory, "psql"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in (string[])["-h", target.Host!, "-p", target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "-U", target.Username!, "-d", target.Database!, "-v", "ON_ERROR_STOP=1", "-q", "-f", sqlFile])
            start.ArgumentList.Add(a);
        using var psql = System.Diagnostics.Process.Start(start)!;
        var output = psql.StandardOutput.ReadToEndAsync();
        var errors = await psql.StandardError.ReadToEndAsync();
        await psql.WaitForExitAsync();
        if (psql.ExitCode != 0) throw new InvalidOperationException($"psql could not load {sqlFile}: {errors}{await output}");
    }

    /// <summary>A new database with Marten's schema and our read models; returns its connection string.
    /// With <paramref name="migrated"/> false, an empty database (for importing an old one into).</summary>
    public static async Task<string> CreateDatabaseAsync(string hint, bool migrated = true)
    {
        var name = $"t{Interlocked.Increment(ref counter)}_{new string(hint.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(40).ToArray())}";
        await Gate.WaitAsync();
        try
        {
            var pg = await StartedAsync();
            if (migrated && !templateReady)
            {
                await pg.CreateDatabaseAsync(Template);
                await using (var store = HubMarten.CreateStore(pg.ConnectionStringFor(Template)))
                    await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
                // A template must have no open connections while it is copied.
                NpgsqlConnection.ClearAllPools();
                templateReady = true;
            }
            await using var connection = new NpgsqlConnection(pg.ConnectionStringFor("postgres"));
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {name} template {(migrated ? Template : "template0")}", connection);
            await create.ExecuteNonQueryAsync();
            return pg.ConnectionStringFor(name);
        }
        finally
        {
            Gate.Release();
        }
    }
}
