using System.Diagnostics;
using System.Runtime.InteropServices;
using Npgsql;

namespace ConstitutionHub.Core.Database;

public sealed record EmbeddedPostgresOptions
{
    /// <summary>Folder holding the cluster (<c>data/</c>), its socket folder (<c>run/</c>) and its log.</summary>
    public required string RootDirectory { get; init; }
    public string? BinDirectory { get; init; }
    public string Database { get; init; } = "constitutionhub";
    /// <summary>Tests turn fsync off: they only survive process crashes, which fsync does not matter for.</summary>
    public bool Fsync { get; init; } = true;
    public int Port { get; init; } = 5432;
    /// <summary>Tests raise it: every test class runs an app with pools of its own against one cluster, and the
    /// pools of apps that have stopped close their idle connections only after a while.</summary>
    public int MaxConnections { get; init; } = 200;
}

/// <summary>
/// A private PostgreSQL cluster run from the server binaries on the machine: initdb on first use, pg_ctl to
/// start and stop, a Unix socket in a private folder and no TCP listener, so nothing else on the machine
/// can reach it. When the process runs as root, the server runs as the <c>postgres</c> user, because
/// PostgreSQL refuses to run as root.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    private const string Superuser = "hub";
    private readonly EmbeddedPostgresOptions options;
    private readonly string bin;
    private bool startedByUs;

    private EmbeddedPostgres(EmbeddedPostgresOptions options, string bin)
    {
        this.options = options;
        this.bin = bin;
    }

    public string DataDirectory => Path.Combine(options.RootDirectory, "data");
    public string SocketDirectory => Path.Combine(options.RootDirectory, "run");
    public string LogFile => Path.Combine(options.RootDirectory, "postgres.log");

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = SocketDirectory,
        Port = options.Port,
        Username = Superuser,
        Database = database,
        Pooling = true,
        MaxPoolSize = 50,
    }.ConnectionString;

    public string ConnectionString => ConnectionStringFor(options.Database);

    public static async Task<EmbeddedPostgres> StartAsync(EmbeddedPostgresOptions options, CancellationToken ct = default)
    {
        var server = new EmbeddedPostgres(options, FindBinDirectory(options.BinDirectory));
        await server.StartServerAsync(ct);
        await server.CreateDatabaseAsync(options.Database, ct);
        return server;
    }

    /// <summary>Default place for the cluster: the user's data folder, or /var/lib for root (see class remarks).</summary>
    public static string DefaultRootDirectory() => IsRoot
        ? "/var/lib/constitutionhub/postgres"
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
            "constitutionhub", "postgres");

    private async Task StartServerAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(options.RootDirectory);
        Directory.CreateDirectory(SocketDirectory);
        if (IsRoot) await RunAsync("chown", ["-R", "postgres:postgres", options.RootDirectory], asServerUser: false, ct);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(SocketDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            await RunAsync(Path.Combine(bin, "initdb"),
                ["-D", DataDirectory, "-U", Superuser, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"],
                asServerUser: true, ct);
        }

        if (await IsRunningAsync(ct)) return; // A previous run of the app left it running: reuse it.

        var settings = $"-k {SocketDirectory} -p {options.Port} -c listen_addresses='' -c unix_socket_permissions=0700 " +
                       $"-c fsync={(options.Fsync ? "on" : "off")} -c max_connections={options.MaxConnections}";
        await RunAsync(Path.Combine(bin, "pg_ctl"),
            ["start", "-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o", settings], asServerUser: true, ct);
        startedByUs = true;
    }

    private async Task<bool> IsRunningAsync(CancellationToken ct)
    {
        var (code, _) = await TryRunAsync(Path.Combine(bin, "pg_ctl"), ["status", "-D", DataDirectory], asServerUser: true, ct);
        return code == 0;
    }

    public async Task CreateDatabaseAsync(string database, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres"));
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(ct) is not null) return;
        await using var create = new NpgsqlCommand($"create database \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
        await create.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Stops the server. <paramref name="immediate"/> is a crash: no checkpoint, recovery on next start.</summary>
    public async Task StopAsync(bool immediate = false, CancellationToken ct = default)
    {
        NpgsqlConnection.ClearAllPools();
        await TryRunAsync(Path.Combine(bin, "pg_ctl"),
            ["stop", "-D", DataDirectory, "-m", immediate ? "immediate" : "fast", "-w", "-t", "60"], asServerUser: true, ct);
    }

    /// <summary>
    /// Stops the server and deletes <see cref="EmbeddedPostgresOptions.RootDirectory"/> once process
    /// <paramref name="ownerPid"/> has ended, however it ends: a watchdog of its own (in its own session) waits for it,
    /// so a test host that is killed, or dies on a failed test, leaves no server and no folder behind.
    /// </summary>
    public void RemoveWhenProcessExits(int ownerPid) => RemoveWhenProcessExits(options.RootDirectory, ownerPid, bin);

    /// <summary>The same for a cluster someone else starts in <paramref name="rootDirectory"/> (the app, in a test).</summary>
    public static void RemoveWhenProcessExits(string rootDirectory, int ownerPid, string? binDirectory = null)
    {
        var bin = FindBinDirectory(binDirectory);
        var dataDirectory = Path.Combine(rootDirectory, "data");
        static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        var asServerUser = IsRoot ? "setpriv --reuid=postgres --regid=postgres --init-groups -- " : "";
        var script = $"exec </dev/null >/dev/null 2>&1; tail --pid={ownerPid} -f /dev/null; " +
                     $"{asServerUser}{Quote(Path.Combine(bin, "pg_ctl"))} stop -D {Quote(dataDirectory)} -m immediate -w -t 60; " +
                     $"rm -rf {Quote(rootDirectory)}";
        var start = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var a in (string[])["sh", "-c", script]) start.ArgumentList.Add(a);
        using var watchdog = Process.Start(start) ?? throw new InvalidOperationException("Could not start the cleanup watchdog.");
    }

    /// <summary>Stops what <see cref="RemoveWhenProcessExits"/> would have, for a folder whose owner process is gone
    /// (a run killed before its watchdog existed, or by a reboot of the watchdog).</summary>
    public static async Task RemoveAbandonedAsync(string rootDirectory, string? binDirectory = null)
    {
        var bin = FindBinDirectory(binDirectory);
        var data = Path.Combine(rootDirectory, "data");
        if (File.Exists(Path.Combine(data, "postmaster.pid")))
            await TryRunAsync(Path.Combine(bin, "pg_ctl"), ["stop", "-D", data, "-m", "immediate", "-w", "-t", "60"], asServerUser: true, default);
        try { Directory.Delete(rootDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Where the server binaries are (psql and pg_dump for tests and tools).</summary>
    public string BinDirectory => bin;

    /// <summary>Starts the server again after <see cref="StopAsync"/> (used to test crash recovery).</summary>
    public Task RestartAsync(CancellationToken ct = default) => StartServerAsync(ct);

    public async ValueTask DisposeAsync()
    {
        if (startedByUs) await StopAsync();
    }

    private static string FindBinDirectory(string? configured)
    {
        if (configured is not null)
        {
            return File.Exists(Path.Combine(configured, "pg_ctl"))
                ? configured
                : throw new InvalidOperationException($"Database:PostgresBin '{configured}' does not contain pg_ctl.");
        }
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "pg_ctl"))).OrderDescending().ToList()
            : [];
        return candidates.FirstOrDefault() ?? throw new InvalidOperationException(
            "No PostgreSQL server binaries found under /usr/lib/postgresql/*/bin. Install them (apt-get install postgresql-15) " +
            "or set Database:PostgresBin, or set ConnectionStrings:Hub to use an existing server.");
    }

    private static bool IsRoot => RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && Environment.UserName == "root";

    private static async Task RunAsync(string file, string[] args, bool asServerUser, CancellationToken ct)
    {
        var (code, output) = await TryRunAsync(file, args, asServerUser, ct);
        if (code != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed with exit code {code}: {output.Trim()}");
    }

    private static async Task<(int Code, string Output)> TryRunAsync(string file, string[] args, bool asServerUser, CancellationToken ct)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asServerUser && IsRoot)
        {
            start.FileName = "setpriv";
            foreach (var a in (string[])["--reuid=postgres", "--regid=postgres", "--init-groups", "--", file]) start.ArgumentList.Add(a);
        }
        else
        {
            start.FileName = file;
        }
        foreach (var a in args) start.ArgumentList.Add(a);
        // pg_ctl start leaves the postmaster attached to our pipes; reading to the end would then never finish.
        start.RedirectStandardOutput = !(args.Length > 0 && args[0] == "start");
        start.RedirectStandardError = start.RedirectStandardOutput;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = "";
        if (start.RedirectStandardOutput)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            output = await stdout + await stderr;
        }
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, output);
    }
}
