using Microsoft.Playwright;

namespace ConstitutionHub.Web.Tests.Support;

/// <summary>Debian's Chromium driven by Playwright (Playwright's own browser download cannot run here).</summary>
public static class Chromium
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static IPlaywright? playwright;
    private static IBrowser? browser;

    public const string ChromiumPath = "/usr/bin/chromium";

    public static async Task<IBrowser> SharedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (browser is { IsConnected: true }) return browser;
            if (!File.Exists(ChromiumPath))
                throw new InvalidOperationException($"{ChromiumPath} is missing: run ./hub test, which installs Debian's chromium.");
            playwright ??= await Playwright.CreateAsync();
            browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                // Without the networking switches Chromium keeps calling home, which this machine's closed network refuses.
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
            });
            return browser;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task<IPage> NewPageAsync(Uri baseAddress, ViewportSize? viewport = null)
    {
        var context = await (await SharedAsync()).NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(), ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 800 },
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        page.Console += (_, m) => { if (m.Type is "error" or "warning") Console.Error.WriteLine($"[browser {m.Type}] {m.Text}"); };
        page.PageError += (_, e) => Console.Error.WriteLine($"[browser page error] {e}");
        return page;
    }

    /// <summary>Signs in through the local sign-in form and comes back to <paramref name="returnTo"/>.</summary>
    public static async Task SignInAsync(IPage page, string name, string returnTo = "/")
    {
        // The form is plain HTML that posts without script: waiting for every stylesheet and script to load (the load
        // event) only adds time, which on a loaded machine ran past the navigation timeout.
        await page.GotoAsync($"/signin?returnUrl={Uri.EscapeDataString(returnTo)}", new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        await page.GetByLabel("Display name").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).PathAndQuery == returnTo);
    }

    /// <summary>
    /// Opens a page and waits until its circuit is connected and has rendered (the layout marks main with
    /// data-interactive="true"): typing into a prerendered field before that would be overwritten.
    /// </summary>
    public static async Task GotoLiveAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await WaitForLiveAsync(page);
    }

    public static async Task WaitForLiveAsync(IPage page) =>
        await Assertions.Expect(page.Locator("main[data-interactive]")).ToHaveAttributeAsync("data-interactive", "true");

    /// <summary>
    /// Presses Escape until <paramref name="closing"/> is hidden. MudBlazor's popovers and dialogs listen for the key
    /// once their script has attached, a moment after they show; on a loaded machine a key pressed at once comes
    /// before that and is lost, so it is pressed again (each press waits up to 2 s for the element to go).
    /// </summary>
    public static async Task PressEscapeUntilHiddenAsync(IPage page, ILocator closing)
    {
        for (var attempt = 1; ; attempt++)
        {
            await page.Keyboard.PressAsync("Escape");
            try
            {
                await Assertions.Expect(closing).ToBeHiddenAsync(new() { Timeout = 2_000 });
                return;
            }
            catch (PlaywrightException) when (attempt < 10)
            {
            }
        }
    }

    /// <summary>Replaces the whole text of the edit page's editor, as a person selecting all and typing would.</summary>
    public static async Task ReplaceEditorTextAsync(IPage page, string text)
    {
        await WaitForEditorAsync(page);
        await page.Locator(".cm-content").ClickAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.InsertTextAsync(text);
    }

    /// <summary>Waits until the Blazor circuit of an interactive page is connected and rendered.</summary>
    public static async Task WaitForEditorAsync(IPage page)
    {
        try
        {
            await page.Locator(".cm-content").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        }
        catch (TimeoutException)
        {
            var shot = Path.Combine(Path.GetTempPath(), $"hub-editor-timeout-{Guid.NewGuid():N}.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            throw new TimeoutException($"The editor did not appear on {page.Url}; screenshot: {shot}");
        }
    }
}
