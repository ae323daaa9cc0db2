using ConstitutionHub.Core.Database;
using ConstitutionHub.Core.Streams;
using JasperFx.Events.Daemon;
using Marten;
using Npgsql;

namespace ConstitutionHub.Web.Infrastructure;

/// <summary>
/// The app's PostgreSQL: the server named by <c>ConnectionStrings:Hub</c>, or, when none is configured, a private
/// cluster of its own (<see cref="EmbeddedPostgres"/>) under <c>Database:DataDirectory</c>. Started, migrated and
/// (once) imported from the pre-Marten store before the host is built, so every service can take its dependencies
/// in its constructor; stopped with the host.
/// </summary>
public sealed class HubDatabase : IHostedService, IAsyncDisposable
{
    private readonly EmbeddedPostgres? embedded;

    private HubDatabase(string connectionString, EmbeddedPostgres? embedded)
    {
        ConnectionString = connectionString;
        this.embedded = embedded;
    }

    public string ConnectionString { get; }

    public bool IsEmbedded => embedded is not null;

    /// <summary>Marten's objects were created or updated at this start (<see cref="PrepareAsync"/>): the store the app
    /// then runs on need not check them again on first use.</summary>
    public bool SchemaPrepared { get; private set; }

    /// <param name="prepareSchema">Create or update Marten's objects and import a pre-Marten database. Off when the app
    /// runs one of the JasperFx commands (<c>db-patch</c> must see the difference it reports) and with
    /// <c>Database:ApplyChangesOnStart=false</c> (production, where <c>db-apply</c> does it).</param>
    public static async Task<HubDatabase> StartAsync(IConfiguration configuration, ILogger logger, bool prepareSchema, CancellationToken ct = default)
    {
        var configured = configuration.GetConnectionString("Hub");
        EmbeddedPostgres? embedded = null;
        string cs;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            cs = configured;
            logger.LogInformation("Using the PostgreSQL server from ConnectionStrings:Hub");
        }
        else
        {
            var root = configuration["Database:DataDirectory"] ?? EmbeddedPostgres.DefaultRootDirectory();
            logger.LogInformation("No ConnectionStrings:Hub configured: running an embedded PostgreSQL in {Root}", root);
            embedded = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions
            {
                RootDirectory = root,
                BinDirectory = configuration["Database:PostgresBin"],
            }, ct);
            cs = embedded.ConnectionString;
        }

        var database = new HubDatabase(cs, embedded);
        try
        {
            if (prepareSchema) await database.PrepareAsync(logger, ct);
            return database;
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    private async Task PrepareAsync(ILogger logger, CancellationToken ct)
    {
        await using var store = HubMarten.CreateStore(ConnectionString);
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        var import = await LegacyImport.RunAsync(store, dataSource, ct: ct);
        if (import.Outcome == LegacyImportOutcome.Imported)
            logger.LogWarning("Imported {Streams} streams ({Events} events) from the pre-Marten event store into Marten", import.Streams, import.Events);
        SchemaPrepared = true;
    }

    public Task StartAsync(CancellationToken ct) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken ct) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (embedded is not null) await embedded.DisposeAsync();
    }
}

public static class HubDatabaseSetup
{
    /// <summary>Marten on the started database: lightweight sessions, the commit hook feeding the live fan-out, and the
    /// async daemon in HotCold mode (one node runs the async projections; another takes over if it dies).</summary>
    public static WebApplicationBuilder AddHubDatabase(this WebApplicationBuilder builder, HubDatabase database)
    {
        var services = builder.Services;
        // Registered first, so it stops last: the embedded cluster outlives every service that talks to it.
        services.AddSingleton(database);
        services.AddHostedService(sp => sp.GetRequiredService<HubDatabase>());
        services.AddSingleton(_ => NpgsqlDataSource.Create(HubMarten.WithSearchPath(database.ConnectionString)));
        services.AddSingleton<CommitAnnouncer>();
        services.AddSingleton<EventStreams>();
        services.AddSingleton<ProjectionHealth>();
        // Once the start has applied every change, Marten's check of each table on first use only costs start-up time
        // (about a round trip per object); the JasperFx commands keep the setting as configured.
        var createSchema = builder.Configuration.GetValue("Database:ApplyChangesOnStart", true) && !database.SchemaPrepared;
        services.AddMarten(sp =>
            {
                var options = HubMarten.Configure(new StoreOptions(), database.ConnectionString, createSchema);
                options.Listeners.Add(sp.GetRequiredService<CommitAnnouncer>());
                return options;
            })
            .UseLightweightSessions()
            .AddAsyncDaemon(DaemonMode.HotCold);
        return builder;
    }
}
