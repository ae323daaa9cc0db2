using System.Text.Json;
using ConstitutionHub.Web.Infrastructure;
using ConstitutionHub.Web.Tests.Sharing;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace ConstitutionHub.Web.Tests.Browser;

/// <summary>
/// The app shell and every main page in a real Chromium: axe-core finds no serious or critical violation in the light
/// and the dark theme, every interactive element is reachable with Tab, the Content-Security-Policy reports nothing,
/// pages work at a phone's 390 px, and the screenshots in docs/screenshots are taken here.
/// </summary>
public sealed class InterfaceBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private HubServer server = null!;
    private Guid chatId;
    private string shareToken = "";

    public async Task InitializeAsync()
    {
        server = await HubServer.StartAsync(nameof(InterfaceBrowserTests));
        var chats = new SharedChats(server);
        var chat = await chats.StartAsync("How firm should the model be?");
        chatId = chat.Id;
        var (_, first) = await chats.TurnAsync(chat.Id, null, "A user insists on a wrong fact. What do you do?",
            "I say plainly that I see it differently, ", "give the source I rely on, ", "and leave room for the user to show me otherwise.");
        await chats.TurnAsync(chat.Id, first, "And if they get angry?", "I stay calm and kind, and I do not give up what is true.");
        var signedIn = await server.SignedInClientAsync("Ada");
        shareToken = await SharedChats.CreateLinkAsync(signedIn, chat.Id, "snapshot");
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    /// <summary>Every page, each checked below.</summary>
    private (string Name, string Path, bool SignedIn)[] Pages =>
    [
        ("home", "/", false),
        ("constitution", "/c/baseline", false),
        ("history", "/c/baseline/history", false),
        ("diff", "/c/baseline/diff?from=1&to=1", false),
        ("edit", "/c/baseline/edit", true),
        ("prompt", "/c/baseline/prompt", false),
        ("chats", "/c/baseline/chats", false),
        ("new-chat", "/c/baseline/chats/new", true),
        ("chat", $"/chats/{chatId}", true),
        ("my-chats", "/chats", true),
        ("share-links", "/shares", true),
        ("access-tokens", "/account/tokens", true),
        ("sessions", "/account/sessions", true),
        ("models", "/models", false),
        ("search", "/search?q=honest", false),
        ("sign-in", "/signin", false),
        ("new-constitution", "/new", true),
        ("settings", "/c/baseline/settings", true),
        ("members", "/c/baseline/members", true),
        ("invitations", "/invitations", true),
        ("share", $"/s/{shareToken}", false),
        ("inbox", "/inbox", true),
        ("constitution-signed-in", "/c/baseline", true),
    ];

    /// <summary>The main pages, photographed in both themes for docs/screenshots and the README.</summary>
    private static readonly string[] Screenshots =
        ["home", "constitution", "history", "edit", "prompt", "chats", "new-chat", "chat", "my-chats", "share-links", "models", "search", "share"];

    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task Every_page_has_no_serious_accessibility_violation_and_no_CSP_report(string theme)
    {
        var failures = new List<string>();
        var page = await OpenAsync(theme, signedIn: true, width: 1280, height: 860);
        foreach (var (name, path, _) in Pages)
        {
            var csp = CollectCspReports(page);
            await GotoAsync(page, path);
            foreach (var v in await AxeAsync(page)) failures.Add($"{name} ({theme}): {v}");
            foreach (var unreachable in await UnreachableByKeyboardAsync(page)) failures.Add($"{name} ({theme}): not reachable with Tab: {unreachable}");
            failures.AddRange(csp.Select(c => $"{name} ({theme}): CSP: {c}"));
            if (Screenshots.Contains(name)) await SaveScreenshotAsync(page, $"{name}-{theme}");
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task At_390_px_the_drawer_is_closed_and_no_page_scrolls_sideways()
    {
        var page = await OpenAsync("light", signedIn: true, width: 390, height: 844);
        var wide = new List<string>();
        foreach (var (name, path, _) in Pages)
        {
            await GotoAsync(page, path);
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            if (overflow > 0) wide.Add($"{name}: {overflow} px wider than the screen");
            if (name is "home" or "constitution") await SaveScreenshotAsync(page, $"{name}-phone");
        }
        Assert.True(wide.Count == 0, string.Join('\n', wide));

        await GotoAsync(page, "/");
        var drawer = page.Locator(".mud-drawer");
        await Assertions.Expect(drawer).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-drawer--open"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Navigation" }).ClickAsync();
        await Assertions.Expect(drawer).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-drawer--open"));
        await drawer.GetByRole(AriaRole.Link, new() { Name = "Models" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/models$"));
    }

    [Fact]
    public async Task Only_the_theme_styles_are_allowed_inline_and_any_other_style_element_is_reported()
    {
        // Blazor adds a policy of its own (frame-ancestors); ours is the one with style-src.
        var policy = (await server.Client().GetAsync("/")).Headers.GetValues("Content-Security-Policy").Single(p => p.Contains("style-src", StringComparison.Ordinal));
        var styleSrc = policy.Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("style-src ", StringComparison.Ordinal));
        Assert.DoesNotContain("'unsafe-inline'", styleSrc, StringComparison.Ordinal);
        Assert.Contains("'sha256-", styleSrc, StringComparison.Ordinal);
        Assert.Contains("style-src-attr 'unsafe-inline'", policy, StringComparison.Ordinal);

        var page = await OpenAsync("light", signedIn: false, width: 1280, height: 800);
        var csp = CollectCspReports(page);
        await GotoAsync(page, "/");
        Assert.Empty(csp);
        // A style block the theme did not write (as injected markup would be) is refused, and Chromium says so.
        var refused = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        page.Console += (_, m) => { if (m.Text.Contains("Content Security Policy", StringComparison.Ordinal)) refused.TrySetResult(m.Text); };
        await page.EvaluateAsync("() => { const s = document.createElement('style'); s.textContent = 'body { outline: 9px solid red }'; document.head.append(s); }");
        Assert.Contains("style-src", await refused.Task.WaitAsync(TimeSpan.FromSeconds(15)), StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("body")).Not.ToHaveCSSAsync("outline-width", "9px");
    }

    [Fact]
    public async Task The_theme_menu_switches_to_dark_and_the_choice_survives_a_reload()
    {
        var page = await OpenAsync(null, signedIn: false, width: 1280, height: 800);
        // The theme provider rewrites its style element on the switch: the policy's hash of the dark one must allow it.
        var csp = CollectCspReports(page);
        await GotoAsync(page, "/");
        var before = await BackgroundAsync(page);
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Theme") }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitemradio, new() { Name = "Dark" }).ClickAsync();
        await Assertions.Expect(page.Locator("body")).Not.ToHaveCSSAsync("background-color", before);
        var cookies = await page.Context.CookiesAsync();
        Assert.Contains(cookies, c => c.Name == "hub.theme" && c.Value == "dark");

        await page.ReloadAsync();
        Assert.NotEqual(before, await BackgroundAsync(page));
        Assert.Empty(csp);
    }

    [Fact]
    public async Task Question_mark_opens_the_keyboard_shortcuts_and_Escape_closes_them()
    {
        var page = await OpenAsync("light", signedIn: false, width: 1280, height: 800);
        await GotoAsync(page, "/c/baseline");
        await Assertions.Expect(page.Locator("html[data-shortcuts=on]")).ToHaveCountAsync(1);
        await page.Keyboard.PressAsync("Shift+Slash");
        var dialog = page.GetByRole(AriaRole.Dialog).Filter(new() { Has = page.GetByTestId("shortcuts") });
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        await Assertions.Expect(dialog).ToContainTextAsync("Keyboard shortcuts");
        await Assertions.Expect(dialog.GetByTestId("shortcuts")).ToContainTextAsync("Search constitutions");
        await Chromium.PressEscapeUntilHiddenAsync(page, dialog);

        await page.Keyboard.PressAsync("Slash");
        await Assertions.Expect(page.Locator("#hub-search")).ToBeFocusedAsync();
    }

    [Fact]
    public async Task Search_suggests_constitutions_as_you_type_and_opens_the_chosen_one()
    {
        var page = await OpenAsync("light", signedIn: false, width: 1280, height: 800);
        await GotoAsync(page, "/");
        // One input event, so one search: key by key, a later answer can replace the list under the click.
        await page.Locator("#hub-search").FillAsync("baseli");
        var suggestion = page.GetByRole(AriaRole.Option).Filter(new() { HasText = "Baseline constitution" });
        await Assertions.Expect(suggestion).ToBeVisibleAsync();
        // Chosen with the keyboard: the circuit takes key events in order. A mouse click races the input's blur, which
        // closes the list; on a machine this busy the list can be gone before the click lands.
        await page.Locator("#hub-search").PressAsync("ArrowDown");
        await page.Locator("#hub-search").PressAsync("Enter");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/c/baseline$"));
    }

    [Fact]
    public async Task A_bad_query_reached_inside_the_app_says_why_and_the_page_stays_live()
    {
        var page = await OpenAsync("light", signedIn: false, width: 1280, height: 800);
        await GotoAsync(page, "/c/baseline");
        await UntilTheRouterNavigatesAsync(page);
        // A navigation on the circuit: no request reaches the server's query check, the router does the same check.
        await page.EvaluateAsync("Blazor.navigateTo('/c/baseline/diff?from=abc&to=1')");
        var notice = page.GetByTestId("bad-query");
        // The circuit's answer, which on a loaded machine can take longer than an assertion's usual 5 s.
        await Assertions.Expect(notice).ToContainTextAsync("from=abc is not a whole number", new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();

        // The same address as a request: 400 with the same reason.
        using var client = server.Client();
        var answer = await client.GetAsync("/c/baseline/diff?from=abc&to=1");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("from=abc is not a whole number", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The circuit lived through it: the next navigation renders its page.
        await page.EvaluateAsync("Blazor.navigateTo('/c/baseline/history')");
        await Assertions.Expect(notice).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/c/baseline/history$"));
        await Assertions.Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
    }

    /// <summary>
    /// The page is live once its layout has rendered on the circuit, but the circuit's router takes over navigation a
    /// moment later (its first after-render step tells the browser); until then a navigation loads the page from the
    /// server. Probes with harmless navigations until one stays in this document (a marker on window survives it).
    /// </summary>
    private static async Task UntilTheRouterNavigatesAsync(IPage page)
    {
        for (var probe = 1; ; probe++)
        {
            // A navigation from the server may end this document before the evaluation answers; the probe tells.
            try { await page.EvaluateAsync($"window.hubProbe = {probe}; Blazor.navigateTo('/c/baseline?probe={probe}')"); }
            catch (PlaywrightException e) when (e.Message.Contains("context was destroyed", StringComparison.Ordinal)) { }
            await page.WaitForURLAsync(url => url.EndsWith($"probe={probe}", StringComparison.Ordinal));
            await Chromium.WaitForLiveAsync(page);
            if (await page.EvaluateAsync<int?>("window.hubProbe ?? null") == probe) return;
            if (probe == 20) throw new Xunit.Sdk.XunitException("The circuit's router never took over navigation.");
        }
    }

    private async Task<IPage> OpenAsync(string? theme, bool signedIn, int width, int height)
    {
        var page = await Chromium.NewPageAsync(server.Address, new ViewportSize { Width = width, Height = height });
        if (theme is not null)
            await page.Context.AddCookiesAsync([new Cookie { Name = "hub.theme", Value = theme, Domain = server.Address.Host, Path = "/" }]);
        // The public share page follows the system's scheme (it has no theme menu): the system is dark for the dark run.
        await page.EmulateMediaAsync(new() { ColorScheme = theme == "dark" ? ColorScheme.Dark : ColorScheme.Light });
        if (signedIn) await Chromium.SignInAsync(page, "Ada");
        return page;
    }

    /// <summary>Opens a page and waits until it is live on its circuit (static pages: until it has loaded).</summary>
    private static async Task GotoAsync(IPage page, string path)
    {
        if (path.StartsWith("/signin", StringComparison.Ordinal) || path.StartsWith("/s/", StringComparison.Ordinal)) await page.GotoAsync(path);
        else await Chromium.GotoLiveAsync(page, path);
        // The editor's Save button is disabled until the editor has loaded: check the page as people use it.
        if (path.EndsWith("/edit", StringComparison.Ordinal))
        {
            await Chromium.WaitForEditorAsync(page);
            await Assertions.Expect(page.GetByTestId("save")).ToBeEnabledAsync();
        }
    }

    private static List<string> CollectCspReports(IPage page)
    {
        var reports = new List<string>();
        page.Console += (_, m) => { if (m.Text.Contains("Content Security Policy", StringComparison.Ordinal)) lock (reports) reports.Add(m.Text); };
        return reports;
    }

    /// <summary>axe-core's serious and critical violations (WCAG 2.1 A and AA rules and best practices).</summary>
    private static async Task<List<string>> AxeAsync(IPage page)
    {
        var root = HubPaths.RepositoryRoot()!;
        var axe = await File.ReadAllTextAsync(Path.Combine(root, "src", "ConstitutionHub.Web", "Client", "node_modules", "axe-core", "axe.min.js"));
        // Evaluated through the DevTools protocol, so the page's CSP (no inline script) does not block the checker itself.
        await page.EvaluateAsync(axe);
        // Colours are measured as they are painted: a button that just became enabled may still be fading in from
        // its disabled grey. Wait for every finite animation and transition to end (spinners run forever: skipped).
        await page.EvaluateAsync("""
            () => Promise.all(document.getAnimations()
                .filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
                .map(a => a.finished.catch(() => null)))
            """);
        var result = await page.EvaluateAsync<JsonElement>("""
            async () => {
                const r = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
                return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
                    .map(v => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`);
            }
            """);
        return result.EnumerateArray().Select(v => v.GetString()!).ToList();
    }

    /// <summary>
    /// Presses Tab through the page and lists the visible links, buttons and fields that never received focus.
    /// </summary>
    private static async Task<List<string>> UnreachableByKeyboardAsync(IPage page)
    {
        await page.EvaluateAsync("""
            () => {
                window.__hubFocused = new Set();
                document.addEventListener("focusin", e => window.__hubFocused.add(e.target), true);
                document.activeElement?.blur();
            }
            """);
        var count = await page.EvaluateAsync<int>(InteractiveElementsScript + "; return interactive().length; }");
        // Room for elements that appear while tabbing (variant tabs, tooltips); a cycle through the page is enough.
        for (var i = 0; i < Math.Min(count * 2 + 20, 600); i++) await page.Keyboard.PressAsync("Tab");
        var missed = await page.EvaluateAsync<JsonElement>(InteractiveElementsScript + """
            ; return interactive().filter(el => !window.__hubFocused.has(el) && !(el.tagName === "INPUT" && el.type === "radio" &&
                [...document.querySelectorAll(`input[type=radio][name="${el.name}"]`)].some(r => window.__hubFocused.has(r))))
              .slice(0, 10).map(el => el.outerHTML.slice(0, 160));
            }
            """);
        return missed.EnumerateArray().Select(v => v.GetString()!).ToList();
    }

    private const string InteractiveElementsScript = """
        () => {
            const interactive = () => [...document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, [role=button], [role=tab], [tabindex]:not([tabindex='-1'])")]
                .filter(el => !el.disabled && el.getAttribute("tabindex") !== "-1" && !el.closest("[aria-hidden=true], [inert], dialog:not([open])")
                    // What a closed <details> holds is not shown (only its summary is), so Tab rightly passes it by.
                    && !el.closest("details:not([open]) > :not(summary)")
                    && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden")
        """;

    private static async Task<string> BackgroundAsync(IPage page) =>
        await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");

    private async Task SaveScreenshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(HubPaths.RepositoryRoot()!, "docs", "screenshots");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, $"{name}.png");
        // The Tab walk leaves the page scrolled and a control focused: a picture from the top, nothing focused.
        await page.EvaluateAsync("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file });
        output.WriteLine($"screenshot: {file}");
    }
}
