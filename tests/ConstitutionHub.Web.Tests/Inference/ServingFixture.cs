using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Inference;

/// <summary>
/// One app for the serving tests that control timing and failures, with the <see cref="StandInLocalModel"/> test
/// double as its local model, two API keys, and a remote model
/// ("loopback") pointing at this same server's own /v1, so the remote client and the API test each other over
/// real HTTP.
/// </summary>
public sealed class ServingFixture : IAsyncLifetime
{
    public const string Key = "ci-key-0123456789abcdef";
    public const string LimitKey = "limit-key-0123456789abcdef";
    public const string RemoteId = "loopback";

    public HubServer Server { get; private set; } = null!;
    public StandInLocalModel Model { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // The remote model's endpoint must name the port before the app starts, so take a free one first.
        var port = FreePort();
        Server = await HubServer.StartAsync(nameof(ServingFixture), settings: new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:{port}",
            // Two slots, so a few waiting requests are enough to see queueing and limits.
            ["Inference:ConcurrentGenerationsPerModel"] = "2",
            ["Inference:ApiKeys:ci"] = Key,
            ["Inference:ApiKeys:limit"] = LimitKey,
            ["Inference:Remote:0:Id"] = RemoteId,
            ["Inference:Remote:0:Endpoint"] = $"http://127.0.0.1:{port}/v1",
            ["Inference:Remote:0:RemoteModel"] = StandInLocalModel.Id,
            ["Inference:Remote:0:ApiKey"] = Key,
            ["Inference:Remote:0:ContextLength"] = "2048",
        }, configure: builder => Model = StandInLocalModel.Register(builder));
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public HttpClient KeyClient(string key = Key)
    {
        var client = Server.Client(cookies: false);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class ServingCollection : ICollectionFixture<ServingFixture>
{
    public const string Name = "serving";
}
