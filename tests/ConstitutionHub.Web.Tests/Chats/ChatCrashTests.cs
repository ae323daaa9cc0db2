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
/// The app as its own process, killed mid-reply and started again. It runs with the models the app itself
/// finds (no scripted stand-in can be injected into another process), so until the local engine and its demo
/// model are part of the app it stops after checking the process starts, and says why.
/// </summary>
public sealed class ChatCrashTests(ITestOutputHelper output)
{
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
            var newChat = await client.GetStringAsync("/c/crash-doc/chats/new");
            Assert.Contains("data-testid=\"new-chat\"", newChat, StringComparison.Ordinal);
            if (newChat.Contains("data-testid=\"no-models\"", StringComparison.Ordinal))
            {
                // Printed, not silently passed: the rest needs a real model inside the separate process.
                var reason = "SKIPPED (reason): the app found no model to run (the local ONNX engine and its demo model are not merged " +
                             "yet); the kill-and-restart part of this test runs once the app ships a demo model.";
                output.WriteLine(reason);
                Console.WriteLine($"{nameof(A_server_killed_mid_reply_finds_the_chat_interrupted_with_its_partial_text_after_restart)}: {reason}");
                return;
            }

            var page = await Chromium.NewPageAsync(address);
            await Chromium.SignInAsync(page, "Kim");
            await page.GotoAsync("/c/crash-doc/chats/new");
            await Assertions.Expect(page.GetByTestId("new-chat")).ToHaveAttributeAsync("data-live", "true");
            await page.GetByText("Advanced: sampling").ClickAsync();
            await page.GetByLabel("Max new tokens").FillAsync("4096");
            await page.GetByLabel("First message").FillAsync("Write a long story about a lighthouse keeper.");
            await page.GetByRole(AriaRole.Button, new() { Name = "Start chat" }).ClickAsync();
            await page.WaitForURLAsync(new Regex("/chats/[0-9a-f-]{36}$"));
            var chatId = Guid.Parse(page.Url[^36..]);

            var partial = await WaitForReplyTextAsync(client, chatId);
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();

            second = Start(dll, root, database, address);
            await WaitUntilUpAsync(second, address);
            var reply = Reply(await (await SignedInAsync(address, "Kim")).GetStringAsync($"/chats/{chatId}/export.json"));
            Assert.Equal("interrupted", reply.GetProperty("status").GetString());
            var text = reply.GetProperty("text").GetString()!;
            Assert.StartsWith(partial, text, StringComparison.Ordinal);
            Assert.True(text.Length > 0);
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
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"The app exited with code {process.ExitCode} before answering.");
            try
            {
                if ((await client.GetAsync("/signin")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"The app did not answer at {address} within a minute.");
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
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            var reply = Reply(await client.GetStringAsync($"/chats/{chatId}/export.json"));
            var text = reply.GetProperty("text").GetString() ?? "";
            Assert.Equal("streaming", reply.GetProperty("status").GetString());
            if (text.Length > 0) return text;
            await Task.Delay(100);
        }
        throw new TimeoutException("The model wrote nothing within two minutes.");
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
