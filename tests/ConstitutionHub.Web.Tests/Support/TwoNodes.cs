using ConstitutionHub.Testing;

namespace ConstitutionHub.Web.Tests.Support;

/// <summary>Two web nodes in this process sharing one fresh database, as a multi-node deployment runs them.</summary>
public sealed class TwoNodes : IAsyncDisposable
{
    private TwoNodes(string connectionString, HubServer a, HubServer b) => (ConnectionString, A, B) = (connectionString, a, b);

    public string ConnectionString { get; }
    public HubServer A { get; }
    public HubServer B { get; }

    /// <summary>Starts "node-a" then "node-b": the first applies the migrations, the second finds them applied.</summary>
    public static async Task<TwoNodes> StartAsync(string database,
        Action<WebApplicationBuilder>? configureA = null, Action<WebApplicationBuilder>? configureB = null)
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(database);
        var a = await HubServer.StartWithAsync(Settings(connectionString, "node-a"), configure: configureA);
        var b = await HubServer.StartWithAsync(Settings(connectionString, "node-b"), configure: configureB);
        return new TwoNodes(connectionString, a, b);
    }

    private static Dictionary<string, string?> Settings(string connectionString, string nodeName) => new()
    {
        ["ConnectionStrings:Hub"] = connectionString,
        ["Hub:NodeName"] = nodeName,
        ["Logging:LogLevel:Default"] = "Warning",
    };

    public async ValueTask DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
    }
}
