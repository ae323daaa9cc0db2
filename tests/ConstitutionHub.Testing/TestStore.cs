using ConstitutionHub.Core.Streams;
using Marten;
using Marten.Events;
using Npgsql;

namespace ConstitutionHub.Testing;

/// <summary>Marten on a database of its own, configured as the app configures it, with the commit hook: what Core
/// tests build their commands and queries on.</summary>
public sealed class TestStore : IAsyncDisposable
{
    private TestStore(string connectionString, DocumentStore store, NpgsqlDataSource dataSource, CommitAnnouncer commits)
    {
        ConnectionString = connectionString;
        Store = store;
        DataSource = dataSource;
        Commits = commits;
        Streams = new EventStreams(store, dataSource);
    }

    public string ConnectionString { get; }
    public DocumentStore Store { get; }
    /// <summary>Searches the <see cref="HubMarten.Schema"/> schema, as the app's does.</summary>
    public NpgsqlDataSource DataSource { get; }
    public CommitAnnouncer Commits { get; }
    public EventStreams Streams { get; }

    /// <param name="moreEvents">Test events beyond ours, by alias: mapped in Marten and readable from notifications.</param>
    public static async Task<TestStore> CreateAsync(string hint, IReadOnlyDictionary<string, Type>? moreEvents = null) =>
        For(await TestPostgres.CreateDatabaseAsync(hint), moreEvents);

    public static TestStore For(string connectionString, IReadOnlyDictionary<string, Type>? moreEvents = null)
    {
        var dataSource = NpgsqlDataSource.Create(HubMarten.WithSearchPath(connectionString));
        var commits = new CommitAnnouncer(dataSource, moreEvents);
        var store = HubMarten.CreateStore(connectionString, commits, options =>
        {
            foreach (var (alias, type) in moreEvents ?? new Dictionary<string, Type>()) options.Events.MapEventType(type, alias);
        });
        return new TestStore(connectionString, store, dataSource, commits);
    }

    /// <summary>Runs the async projections until they have every event committed so far, as the daemon of a node would.</summary>
    public async Task CatchUpAsync(TimeSpan? timeout = null)
    {
        using var daemon = await Store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        await Store.WaitForNonStaleProjectionDataAsync(timeout ?? TimeSpan.FromSeconds(60));
        await daemon.StopAllAsync();
    }

    public async ValueTask DisposeAsync()
    {
        // The notifications still queued go out before the connections close.
        await Commits.DisposeAsync();
        Store.Dispose();
        await DataSource.DisposeAsync();
    }
}
