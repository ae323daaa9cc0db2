using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ConstitutionHub.Web.Infrastructure;

namespace ConstitutionHub.Web.Tests.Support;

/// <summary>
/// The npm package <c>oidc-provider</c> (a certified OpenID Provider) run by Node on loopback by
/// <c>tests/oidc/provider.mjs</c>, with one registered client for the app. <see cref="SetModeAsync"/> makes it answer
/// badly in one chosen way (see the script). Stopped, with its process tree, on dispose.
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    public const string ClientId = "constitutionhub-tests";
    public const string ClientSecret = "loopback-only-client-secret";

    private readonly Process process;
    private readonly HttpClient control;

    private OidcProvider(Process process, Uri issuer)
    {
        this.process = process;
        Issuer = issuer;
        control = new HttpClient { BaseAddress = issuer };
    }

    public Uri Issuer { get; }

    /// <summary>A free loopback port for the provider: the app must know its issuer before the provider, which must know
    /// the app's address, can start.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The app's settings for this provider.</summary>
    public static Dictionary<string, string?> AppSettings(int port) => new()
    {
        ["Auth:Oidc:Authority"] = $"http://127.0.0.1:{port}",
        ["Auth:Oidc:ClientId"] = ClientId,
        ["Auth:Oidc:ClientSecret"] = ClientSecret,
        ["Auth:Oidc:RequireHttpsMetadata"] = "false",
        ["Auth:Oidc:DisplayName"] = "the test provider",
        ["Auth:Admins:Claim"] = "roles",
        ["Auth:Admins:Value"] = "hub-admin",
    };

    public static async Task<OidcProvider> StartAsync(int port, Uri app)
    {
        var folder = Path.Combine(HubPaths.RepositoryRoot() ?? throw new InvalidOperationException("Run the tests from a checkout."), "tests", "oidc");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "oidc-provider")))
            throw new InvalidOperationException($"oidc-provider is not installed in {folder}: run ./hub test (or npm ci there).");
        var start = new ProcessStartInfo("node", "provider.mjs")
        {
            WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["APP"] = app.ToString();
        start.Environment["CLIENT_ID"] = ClientId;
        start.Environment["CLIENT_SECRET"] = ClientSecret;
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => { if (e.Data?.StartsWith("ready ", StringComparison.Ordinal) == true) ready.TrySetResult(); };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line && !line.Contains("WARNING", StringComparison.Ordinal)) Console.Error.WriteLine($"[oidc-provider] {line}");
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"oidc-provider exited with {process.ExitCode}."));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var provider = new OidcProvider(process, new Uri($"http://127.0.0.1:{port}"));
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }
        return provider;
    }

    /// <summary>How the provider answers the sign-ins that follow (<c>ok</c>, <c>wrong-issuer</c>, <c>nonce</c>, ...).</summary>
    public async Task SetModeAsync(string mode) =>
        (await control.GetAsync($"/__mode?set={Uri.EscapeDataString(mode)}")).EnsureSuccessStatusCode();

    public async ValueTask DisposeAsync()
    {
        control.Dispose();
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        process.Dispose();
    }
}
