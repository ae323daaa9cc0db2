using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConstitutionHub.Testing;
using ConstitutionHub.Web.Infrastructure;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace ConstitutionHub.Web.Tests.Chats;

/// <summary>
/// The app as its own process, with the demo model it ships, killed mid-reply and started again. Nothing is
/// injected: the process finds its models as a fresh install does.
/// </summary>
public sealed class ChatCrashTests(ITestOutputHelper output)
{
    private const string DemoModelId = "demo-qwen2";

    /// <summary>Room for the reply within the demo model's context of 1024 tokens, with the prompt's ~60.</summary>
    private const int MaxNewTokens = 950;

    /// <summary>
    /// The demo model usually ends a reply after a dozen tokens, in a few milliseconds: too fast to kill the process
    /// in the middle. The form's highest temperature and the strongest repetition penalty (which also weighs on the
    /// end token the chat template puts in the prompt) flatten its choices so the end token comes up late, and
    /// with this seed, for this prompt, the reply runs about 800 tokens (over a second at ~700 tokens/s, the fastest
    /// seen on these machines). A seeded reply is the same for any number of threads: checked with 1 and 2.
    /// </summary>
    private static readonly (string Label, string Value)[] LongReplySampling =
    [
        ("Temperature", "2"), ("Top-k", "0"), ("Top-p", "1"), ("Min-p", "0"), ("Repetition penalty", "3"),
        ("Max new tokens", MaxNewTokens.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("Seed (empty: random)", "11"),
    ];

    [Fact]
    public async Task A_server_killed_mid_reply_finds_the_chat_interrupted_with_its_partial_text_after_restart()
    {
        var root = HubPaths.RepositoryRoot() ?? throw new InvalidOperationException("Run the tests from a checkout of the repository.");
        var dll = Path.Combine(AppContext.BaseDirectory, "ConstitutionHub.Web.dll");
        var database = await TestPostgres.CreateDatabaseAsync("chat_crash");
        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port}");

        var first = Start(dll, root, database, address);
        Process? second = null;
        try
        {
            await WaitUntilUpAsync(first, address);
            var client = await SignedInAsync(address, "Kim");
            var created = await client.PostAsJsonAsync("/api/constitutions", new { slug = "crash-doc", title = "Crash", markdown = ChatKit.Markdown });
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
            var page = await Chromium.NewPageAsync(address);
            await Chromium.SignInAsync(page, "Kim");
            await page.GotoAsync("/c/crash-doc/chats/new");
            await Assertions.Expect(page.GetByTestId("new-chat")).ToHaveAttributeAsync("data-live", "true");
            // The demo model must be there and runnable; if not, say why (say, the runtime library is missing).
            var chosen = page.GetByLabel("Model").Locator("option:checked");
            Assert.True(await chosen.CountAsync() == 1 && await chosen.GetAttributeAsync("value") == DemoModelId,
                $"The new-chat page does not offer {DemoModelId}: {string.Join(" | ", await page.GetByLabel("Model").Locator("option").AllInnerTextsAsync())}");
            await page.GetByText("Advanced: sampling").ClickAsync();
            foreach (var (label, value) in LongReplySampling) await page.GetByLabel(label).FillAsync(value);
            await page.GetByLabel("First message").FillAsync("Write a long story about a lighthouse keeper.");
            await page.GetByRole(AriaRole.Button, new() { Name = "Start chat" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("new-chat-error")).ToHaveCountAsync(0);
            await page.WaitForURLAsync(new Regex("/chats/[0-9a-f-]{36}$"));
            var chatId = Guid.Parse(page.Url[^36..]);

            var partial = await WaitForReplyTextAsync(client, chatId);
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
            await page.Context.CloseAsync(); // its circuit would only retry the dead server

            second = Start(dll, root, database, address);
            await WaitUntilUpAsync(second, address);
            var reply = Reply(await (await SignedInAsync(address, "Kim")).GetStringAsync($"/chats/{chatId}/export.json"));
            Assert.Equal("interrupted", reply.GetProperty("status").GetString());
            var text = reply.GetProperty("text").GetString()!;
            Assert.StartsWith(partial, text, StringComparison.Ordinal);
            // Killed before the end: fewer tokens than the whole reply (about 800).
            var tokens = reply.GetProperty("completionTokens").GetInt32();
            output.WriteLine($"Killed with {partial.Length} characters stored; after the restart: {text.Length} characters, {tokens} tokens.");
            Assert.InRange(tokens, 1, 700);
        }
        finally
        {
            foreach (var p in new[] { first, second })
            {
                if (p is { HasExited: false }) p.Kill(entireProcessTree: true);
                p?.Dispose();
            }
        }
    }

    private static Process Start(string dll, string root, string database, Uri address)
    {
        var info = new ProcessStartInfo("dotnet", [dll, "--urls", address.ToString()])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["ConnectionStrings__Hub"] = database;
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        // The same node name across the restart, as a real node keeps it (see NodeIdentity).
        info.Environment["Hub__NodeName"] = "crash-test-node";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[hub process] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilUpAsync(Process process, Uri address)
    {
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.TrueAsync(async () =>
        {
            if (process.HasExited) throw new InvalidOperationException($"The app exited with code {process.ExitCode} before answering.");
            try
            {
                return (await client.GetAsync("/signin")).StatusCode == HttpStatusCode.OK;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or still starting and too slow to answer on a loaded machine.
                return false;
            }
        }, $"the app to answer at {address}", TimeSpan.FromSeconds(60));
    }

    private static async Task<HttpClient> SignedInAsync(Uri address, string name)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = address };
        var response = await HubServer.PostLocalSignInAsync(client, name, "/");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    private static async Task<string> WaitForReplyTextAsync(HttpClient client, Guid chatId)
    {
        var reply = await Eventually.GetAsync(async () => Reply(await client.GetStringAsync($"/chats/{chatId}/export.json")),
            r => r.GetProperty("status").GetString() != "streaming" || r.GetProperty("text").GetString() is { Length: > 0 },
            "the model to write its first words", TimeSpan.FromSeconds(120));
        Assert.True(reply.GetProperty("status").GetString() == "streaming",
            $"The reply ended before the kill: {reply.GetProperty("status").GetString()}, {reply.GetProperty("finishReason")}, " +
            $"{reply.GetProperty("completionTokens")} tokens, error {reply.GetProperty("error")}.");
        return reply.GetProperty("text").GetString()!;
    }

    private static JsonElement Reply(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("messages").EnumerateArray().Last(m => m.GetProperty("role").GetString() == "assistant");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
