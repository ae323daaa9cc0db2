using ConstitutionHub.Core.Database;
using Npgsql;

namespace ConstitutionHub.Web.Infrastructure;

/// <summary>
/// The app's PostgreSQL: the server named by <c>ConnectionStrings:Hub</c>, or, when none is configured, a private
/// cluster of its own (<see cref="EmbeddedPostgres"/>) under <c>Database:DataDirectory</c>. Migrations run at start.
/// </summary>
public sealed class HubDatabase(IConfiguration configuration, ILogger<HubDatabase> logger) : IHostedService
{
    private readonly TaskCompletionSource<string> connectionString = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private EmbeddedPostgres? embedded;

    public string ConnectionString => connectionString.Task.IsCompletedSuccessfully
        ? connectionString.Task.Result
        : throw new InvalidOperationException("The database is not started yet.");

    public bool IsEmbedded => embedded is not null;

    public async Task StartAsync(CancellationToken ct)
    {
        var configured = configuration.GetConnectionString("Hub");
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

        await using (var dataSource = NpgsqlDataSource.Create(cs))
        {
            var applied = await Migrator.ApplyAsync(dataSource, ct);
            if (applied > 0) logger.LogInformation("Applied {Count} database migrations", applied);
        }
        connectionString.SetResult(cs);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (embedded is not null) await embedded.DisposeAsync();
    }
}

public static class HubDatabaseSetup
{
    public static WebApplicationBuilder AddHubDatabase(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<HubDatabase>();
        // Registered first so the database is up and migrated before anything else starts.
        builder.Services.AddHostedService(sp => sp.GetRequiredService<HubDatabase>());
        builder.Services.AddSingleton(sp => new NpgsqlDataSourceBuilder(sp.GetRequiredService<HubDatabase>().ConnectionString).Build());
        return builder;
    }
}
