using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Web.Features.Chats;
using ConstitutionHub.Web.Tests.Chats;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;

namespace ConstitutionHub.Web.Tests.Annotations;

/// <summary>Annotating in a real Chromium against the real app and database: select, annotate, watch it arrive in
/// another reader's page, follow the text across revisions, and a finding that notices its section changed.</summary>
public sealed class AnnotationBrowserTests : IAsyncLifetime
{
    private const string Markdown = """
        # Doc

        ## Honesty

        You only assert what you believe to be true. When you are unsure, you say so.

        ## Style

        Answer the question first, then add context.
        """;

    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(AnnotationBrowserTests));
    public async Task DisposeAsync() => await server.DisposeAsync();

    /// <summary>Selects the first occurrence of <paramref name="quote"/> in the document as a reader's drag would, and
    /// releases the mouse there.</summary>
    private static async Task SelectAsync(IPage page, string quote)
    {
        // The layer is attached once the gutter is in the document.
        await page.Locator("[data-testid=document] .annotation-gutter").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var found = await page.EvaluateAsync<bool>("""
            quote => {
              const article = document.querySelector('[data-testid=document]');
              const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
              for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                const i = n.data.indexOf(quote);
                if (i < 0) continue;
                const range = document.createRange();
                range.setStart(n, i);
                range.setEnd(n, i + quote.length);
                const selection = getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                n.parentElement.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
                return true;
              }
              return false;
            }
            """, quote);
        Assert.True(found, $"'{quote}' is not in the page");
    }

    private async Task SaveRevisionAsync(HttpClient client, string slug, int basedOn, string markdown)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/constitutions/{slug}/revisions") { Content = JsonContent.Create(new { markdown, summary = "edit" }) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"r{basedOn}\""));
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task A_selection_annotated_appears_live_for_another_reader_follows_its_text_to_a_new_revision_and_is_listed_as_an_orphan_when_gone()
    {
        var ada = await server.SignedInClientAsync("Ada");
        Assert.Equal(HttpStatusCode.Created, (await ada.PostAsJsonAsync("/api/constitutions", new { slug = "annotated", title = "Annotated", markdown = Markdown })).StatusCode);

        var reader = await Chromium.NewPageAsync(server.Address); // signed out: public annotations are readable
        await Chromium.GotoLiveAsync(reader, "/c/annotated");
        var writer = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(writer, "Bob", "/c/annotated");
        await Chromium.WaitForLiveAsync(writer);

        await SelectAsync(writer, "you say so");
        await writer.GetByRole(AriaRole.Button, new() { Name = "Annotate", Exact = true }).ClickAsync();
        var composer = writer.GetByTestId("composer");
        await Assertions.Expect(composer).ToContainTextAsync("you say so");
        await writer.Locator("#annotation-body").FillAsync("Say **how** unsure, too.");
        await composer.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        await Assertions.Expect(writer.Locator("mark.annotation")).ToHaveTextAsync("you say so");
        // The other reader's page learns of it by itself: no reload.
        await Assertions.Expect(reader.Locator("mark.annotation")).ToHaveTextAsync("you say so");
        await Assertions.Expect(reader.GetByTestId("annotation")).ToContainTextAsync("Bob");
        await Assertions.Expect(reader.GetByTestId("annotation").Locator("strong", new() { HasText = "how" })).ToBeVisibleAsync();

        // Revision 2 moves the section below another and adds a paragraph in front of the sentence.
        await SaveRevisionAsync(ada, "annotated", 1, """
            # Doc

            ## Style

            Answer the question first, then add context.

            ## Honesty

            A new opening paragraph, with you say so in it too.

            You only assert what you believe to be true. When you are unsure, you say so.
            """);
        await Chromium.GotoLiveAsync(writer, "/c/annotated");
        var mark = writer.Locator("mark.annotation");
        await Assertions.Expect(mark).ToHaveCountAsync(1);
        await Assertions.Expect(mark).ToHaveTextAsync("you say so");
        // In the sentence it was made on, not in the new paragraph that repeats the words.
        Assert.Equal("You only assert what you believe to be true. When you are unsure, you say so.",
            await mark.EvaluateAsync<string>("m => m.closest('p').textContent"));
        await Assertions.Expect(writer.GetByTestId("anchor-outcome")).ToContainTextAsync("on r2");

        // Revision 3 removes the sentence: the annotation is kept, listed as an orphan with its quote.
        await SaveRevisionAsync(ada, "annotated", 2, """
            # Doc

            ## Style

            Answer the question first, then add context.

            ## Honesty

            You only assert what you believe to be true.
            """);
        await Chromium.GotoLiveAsync(writer, "/c/annotated");
        await Assertions.Expect(writer.Locator("mark.annotation")).ToHaveCountAsync(0);
        var orphans = writer.GetByTestId("orphans");
        await Assertions.Expect(orphans).ToContainTextAsync("you say so");
        await Assertions.Expect(orphans.GetByTestId("orphan")).ToBeVisibleAsync();

        // The old revision still shows it where it was; the permalink opens the page on it.
        await Chromium.GotoLiveAsync(writer, "/c/annotated/r/1");
        await Assertions.Expect(writer.Locator("mark.annotation")).ToHaveTextAsync("you say so");
        var id = await writer.GetByTestId("annotation").GetAttributeAsync("data-annotation-id");
        await Chromium.GotoLiveAsync(writer, $"/c/annotated?annotation={id}");
        await Assertions.Expect(writer.Locator($"[data-annotation-id='{id}'].is-selected")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_finding_links_a_chat_message_and_turns_stale_after_an_edit_of_its_section()
    {
        await ChatKit.CreateConstitutionAsync(server, "Ada", "researched", markdown: Markdown);
        var honesty = await ChatKit.SectionIdAsync(server, "researched", "Honesty");
        var ada = await server.SignedInClientAsync("Ada");
        var created = await ada.PostAsJsonAsync("/api/constitutions/researched/annotations", new
        {
            sectionId = honesty, exact = "you say so", start = 0, kind = "finding", body = "Models hedge more with this sentence.",
            finding = new { sectionIds = new[] { honesty }, variants = Array.Empty<string>(), behaviour = "hedging", direction = "helps", strength = "anecdote" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // A test chat under revision 1: its first message is the evidence.
        var runner = server.Services.GetRequiredService<ChatRunner>();
        var commands = server.Services.GetRequiredService<ChatCommands>();
        var owner = ChatKit.Person("Ada");
        var chat = await commands.StartAsync(owner, new StartChat("researched", 1, new Dictionary<string, string>(),
            ModelRecords.From(runner.Catalog.Models[0]), new SamplingForm().ToRecord()), Guid.NewGuid());
        var message = await commands.PostUserMessageAsync(owner, chat.Id, null, "Are you sure?", Guid.NewGuid());
        var linked = await ada.PostAsJsonAsync($"/api/annotations/{id}/evidence", new { kind = "chat_message", target = $"/chats/{chat.Id}#m-{message}", relation = "supports" });
        Assert.Equal(HttpStatusCode.Created, linked.StatusCode);

        var page = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(page, "Ada", "/c/researched");
        await Chromium.WaitForLiveAsync(page);
        var finding = page.GetByTestId("finding");
        await Assertions.Expect(finding).ToContainTextAsync("hedging");
        await Assertions.Expect(finding.GetByRole(AriaRole.Link, new() { Name = "a chat message" })).ToHaveAttributeAsync("href", $"/chats/{chat.Id:D}#m-{message:D}");
        await Assertions.Expect(finding).ToContainTextAsync(chat.PromptHash[..19]);
        await Assertions.Expect(finding.GetByTestId("stale")).ToHaveCountAsync(0);

        await SaveRevisionAsync(ada, "researched", 1, Markdown.Replace("you say so.", "you say so, and how unsure you are.", StringComparison.Ordinal));
        await Chromium.GotoLiveAsync(page, "/c/researched");
        await Assertions.Expect(finding.GetByTestId("stale")).ToContainTextAsync("Evidence predates the current text of this section");
        await Assertions.Expect(finding.GetByTestId("evidence")).ToContainTextAsync("older text");

        await finding.GetByRole(AriaRole.Button, new() { Name = "Re-confirm" }).ClickAsync();
        await Assertions.Expect(finding.GetByTestId("stale")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task No_payload_of_the_xss_corpus_in_an_annotation_runs_script_in_a_real_browser()
    {
        var corpus = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "xss-corpus.txt")).Replace("\r\n", "\n", StringComparison.Ordinal)
            .TrimEnd('\n').Split("\n----\n");
        Assert.True(corpus.Length >= 60, $"the corpus has only {corpus.Length} payloads");
        var mallory = await server.SignedInClientAsync("Mallory");
        await mallory.PostAsJsonAsync("/api/constitutions", new { slug = "xss-notes", title = "XSS notes", markdown = Markdown });
        var style = await ChatKit.SectionIdAsync(server, "xss-notes", "Style");
        var stored = 0;
        foreach (var payload in corpus)
        {
            var response = await mallory.PostAsJsonAsync("/api/constitutions/xss-notes/annotations",
                new { sectionId = style, exact = "the question", start = 0, kind = "comment", body = payload });
            // Control characters are refused with a reason; everything else is stored as written.
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.BadRequest, $"{(int)response.StatusCode} for {payload}");
            if (response.StatusCode == HttpStatusCode.Created) stored++;
        }
        Assert.True(stored >= corpus.Length - 5, $"only {stored} of {corpus.Length} payloads were stored");

        var context = await (await Chromium.SharedAsync()).NewContextAsync(new BrowserNewContextOptions { BaseURL = server.Address.ToString(), BypassCSP = true });
        var page = await context.NewPageAsync();
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) => { dialogs.Add(dialog.Message); await dialog.DismissAsync(); };
        await page.AddInitScriptAsync("""
            window.__xss = [];
            for (const name of ['alert', 'confirm', 'prompt', 'print']) window[name] = (...args) => { window.__xss.push(name + ':' + args.join(',')); };
            """);
        await page.GotoAsync("/c/xss-notes");
        await Chromium.WaitForLiveAsync(page);
        await Assertions.Expect(page.GetByTestId("annotation-count")).ToHaveTextAsync(stored.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.GetByTestId("comment")).ToHaveCountAsync(stored);
        var panel = page.GetByTestId("annotations");
        var elements = await panel.EvaluateAsync<string[]>("""
            el => [...el.querySelectorAll('.hub-comment-body *')].flatMap(n =>
              [ ...(['SCRIPT','IFRAME','OBJECT','EMBED','STYLE','BASE','META','LINK','FORM','SVG'].includes(n.tagName.toUpperCase()) ? [n.tagName] : []),
                ...[...n.attributes].filter(a => a.name.startsWith('on') || a.name === 'style' || a.name === 'srcdoc').map(a => n.tagName + '@' + a.name) ])
            """);
        var schemes = await panel.EvaluateAsync<string[]>("""
            el => [...el.querySelectorAll('.hub-comment-body a[href], .hub-comment-body img[src]')]
              .map(n => { try { return new URL(n.getAttribute('href') ?? n.getAttribute('src'), location.href).protocol; } catch { return 'unparseable'; } })
            """);
        Assert.Empty(await page.EvaluateAsync<string[]>("window.__xss"));
        Assert.Empty(dialogs);
        Assert.Empty(elements);
        Assert.All(schemes, scheme => Assert.Contains(scheme, new[] { "http:", "https:", "mailto:", "unparseable" }));
        await context.CloseAsync();
    }

    [Fact]
    public async Task An_edited_comment_says_when_and_opens_its_earlier_versions_rendered_inert_for_every_reader()
    {
        await ChatKit.CreateConstitutionAsync(server, "Ada", "edit-history", markdown: Markdown);
        var style = await ChatKit.SectionIdAsync(server, "edit-history", "Style");
        var bob = await server.SignedInClientAsync("Bob");
        var created = await bob.PostAsJsonAsync("/api/constitutions/edit-history/annotations",
            new { sectionId = style, exact = "the question", start = 0, body = "First **thought** <img src=x onerror=alert(1)>" });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var page = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(page, "Bob", "/c/edit-history");
        await Chromium.WaitForLiveAsync(page);
        var comment = page.GetByTestId("comment");
        await Assertions.Expect(comment.GetByTestId("edited")).ToHaveCountAsync(0);
        await comment.GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        await comment.Locator("textarea").First.FillAsync("Second thought, *better*.");
        await comment.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(comment.GetByTestId("edited")).ToContainTextAsync("edited just now");
        await Assertions.Expect(comment.Locator(".hub-comment-body em")).ToHaveTextAsync("better");

        // Another reader, signed out, sees the mark and opens the earlier text: who wrote it, rendered, inert.
        var reader = await Chromium.NewPageAsync(server.Address);
        await Chromium.GotoLiveAsync(reader, $"/c/edit-history?annotation={id}");
        var readerComment = reader.GetByTestId("comment");
        await Assertions.Expect(readerComment.GetByTestId("edited")).ToBeVisibleAsync();
        await readerComment.GetByTestId("history-toggle").ClickAsync();
        var versions = readerComment.GetByTestId("comment-history").GetByTestId("comment-version");
        await Assertions.Expect(versions).ToHaveCountAsync(1);
        await Assertions.Expect(versions).ToContainTextAsync("Version 1");
        await Assertions.Expect(versions).ToContainTextAsync("Bob");
        await Assertions.Expect(versions.Locator("strong", new() { HasText = "thought" })).ToBeVisibleAsync();
        Assert.Equal(0, await versions.Locator("img[onerror], script").CountAsync());
        await Assertions.Expect(readerComment.GetByTestId("history-toggle")).ToHaveAttributeAsync("aria-expanded", "true");
        await readerComment.GetByTestId("history-toggle").ClickAsync();
        await Assertions.Expect(readerComment.GetByTestId("comment-history")).ToHaveCountAsync(0);
    }

    /// <summary>A note on <paramref name="exact"/> in a section, through the API; its id.</summary>
    private static async Task<Guid> AnnotateAsync(HttpClient client, string slug, string section, string exact)
    {
        var response = await client.PostAsJsonAsync($"/api/constitutions/{slug}/annotations", new { sectionId = section, exact, start = 0, body = "note" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task The_diff_page_lists_the_threads_that_moved_or_lost_their_text_and_each_link_opens_it_on_the_newer_revision()
    {
        await ChatKit.CreateConstitutionAsync(server, "Ada", "diff-notes", markdown: Markdown);
        var ada = await server.SignedInClientAsync("Ada");
        var honesty = await ChatKit.SectionIdAsync(server, "diff-notes", "Honesty");
        var style = await ChatKit.SectionIdAsync(server, "diff-notes", "Style");
        Task<Guid> Annotate(string section, string exact) => AnnotateAsync(ada, "diff-notes", section, exact);
        var lost = await Annotate(honesty, "you say so");
        var moved = await Annotate(style, "Answer the question first");
        var kept = await Annotate(honesty, "You only assert");
        // Revision 2: the unsure sentence goes, the Style section's sentence moves under Honesty.
        await SaveRevisionAsync(ada, "diff-notes", 1, """
            # Doc

            ## Honesty

            You only assert what you believe to be true.

            Answer the question first, then add context.
            """);

        var page = await Chromium.NewPageAsync(server.Address); // signed out: a public document's threads are readable
        await Chromium.GotoLiveAsync(page, "/c/diff-notes/diff?from=1&to=2");
        var panel = page.GetByTestId("reanchored");
        await Assertions.Expect(panel.GetByTestId("reanchored-annotation")).ToHaveCountAsync(2);
        await Assertions.Expect(panel.Locator($"[data-annotation-id='{lost}']")).ToHaveAttributeAsync("data-change", "orphaned");
        await Assertions.Expect(panel.Locator($"[data-annotation-id='{moved}']")).ToHaveAttributeAsync("data-change", "moved");
        await Assertions.Expect(panel.Locator($"[data-annotation-id='{moved}']")).ToContainTextAsync("in Honesty");
        await Assertions.Expect(panel.Locator($"[data-annotation-id='{kept}']")).ToHaveCountAsync(0);

        await panel.Locator($"[data-annotation-id='{moved}']").GetByTestId("reanchored-link").ClickAsync();
        await page.WaitForURLAsync($"**/c/diff-notes/r/2?annotation={moved}");
        await Chromium.WaitForLiveAsync(page);
        await Assertions.Expect(page.Locator($"article[data-annotation-id='{moved}'].is-selected")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"mark.annotation.is-selected[data-annotation-id='{moved}']")).ToHaveTextAsync("Answer the question first");
    }

    [Fact]
    public async Task The_read_page_of_a_revision_lists_the_threads_that_changed_anchor_in_it_and_each_link_opens_that_thread()
    {
        await ChatKit.CreateConstitutionAsync(server, "Ada", "moved-here", markdown: Markdown);
        var ada = await server.SignedInClientAsync("Ada");
        var honesty = await ChatKit.SectionIdAsync(server, "moved-here", "Honesty");
        var style = await ChatKit.SectionIdAsync(server, "moved-here", "Style");
        Task<Guid> Annotate(string section, string exact) => AnnotateAsync(ada, "moved-here", section, exact);
        var lost = await Annotate(honesty, "you say so");
        var shifted = await Annotate(style, "Answer the question first");
        var kept = await Annotate(honesty, "You only assert");

        // Revision 1 has no revision before it: no list.
        var page = await Chromium.NewPageAsync(server.Address); // signed out: a public document's threads are readable
        await Chromium.GotoLiveAsync(page, "/c/moved-here/r/1");
        await Assertions.Expect(page.GetByTestId("annotation-count")).ToHaveTextAsync("3");
        await Assertions.Expect(page.GetByTestId("revision-reanchored")).ToHaveCountAsync(0);

        // Revision 2: the unsure sentence goes, a sentence is put before the Style section's quote.
        await SaveRevisionAsync(ada, "moved-here", 1, """
            # Doc

            ## Honesty

            You only assert what you believe to be true.

            ## Style

            Be brief. Answer the question first, then add context.
            """);

        await Chromium.GotoLiveAsync(page, "/c/moved-here");
        var panel = page.GetByTestId("revision-reanchored");
        await Assertions.Expect(panel.GetByTestId("revision-reanchored-title")).ToHaveTextAsync("2 threads changed anchor in this revision");
        await panel.GetByTestId("revision-reanchored-title").ClickAsync();
        await Assertions.Expect(panel.GetByTestId("reanchored-annotation")).ToHaveCountAsync(2);
        await Assertions.Expect(panel.Locator($"[data-annotation-id='{lost}']")).ToHaveAttributeAsync("data-change", "orphaned");
        await Assertions.Expect(panel.Locator($"[data-annotation-id='{shifted}']")).ToHaveAttributeAsync("data-change", "shifted");
        await Assertions.Expect(panel.Locator($"[data-annotation-id='{kept}']")).ToHaveCountAsync(0);

        await panel.Locator($"[data-annotation-id='{shifted}']").GetByTestId("reanchored-link").ClickAsync();
        await page.WaitForURLAsync($"**/c/moved-here/r/2?annotation={shifted}");
        await Assertions.Expect(page.Locator($"article[data-annotation-id='{shifted}'].is-selected")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"mark.annotation.is-selected[data-annotation-id='{shifted}']")).ToHaveTextAsync("Answer the question first");

        // The orphan's link, followed on the same page, selects it among the orphans.
        await panel.Locator($"[data-annotation-id='{lost}']").GetByTestId("reanchored-link").ClickAsync();
        await page.WaitForURLAsync($"**/c/moved-here/r/2?annotation={lost}");
        await Assertions.Expect(page.GetByTestId("orphans").Locator($"article[data-annotation-id='{lost}'].is-selected")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_reply_posted_between_the_prerender_and_the_circuit_is_shown_though_the_circuit_reuses_the_prerendered_threads()
    {
        await ChatKit.CreateConstitutionAsync(server, "Ada", "handed-on", markdown: Markdown);
        var ada = await server.SignedInClientAsync("Ada");
        var honesty = await ChatKit.SectionIdAsync(server, "handed-on", "Honesty");
        var response = await ada.PostAsJsonAsync("/api/constitutions/handed-on/annotations", new { sectionId = honesty, exact = "you say so", start = 0, body = "note" });
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // The circuit's script is held back until the reply is in: the page is prerendered, its circuit starts after.
        var page = await Chromium.NewPageAsync(server.Address);
        var release = new TaskCompletionSource();
        await page.RouteAsync("**/_framework/blazor.web*.js*", async route =>
        {
            await release.Task;
            await route.ContinueAsync();
        });
        await page.GotoAsync("/c/handed-on", new() { WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(page.GetByTestId("annotation-count")).ToHaveTextAsync("1");
        Assert.Equal(HttpStatusCode.Created, (await ada.PostAsJsonAsync($"/api/annotations/{id}/replies", new { body = "Written while the page started." })).StatusCode);
        release.SetResult();

        await Chromium.WaitForLiveAsync(page);
        await Assertions.Expect(page.Locator($"article[data-annotation-id='{id}']")).ToContainTextAsync("Written while the page started.");
    }

    [Fact]
    public async Task With_many_threads_only_the_cards_near_the_viewport_are_rendered_and_a_permalink_far_down_still_opens_its_thread()
    {
        await ChatKit.CreateConstitutionAsync(server, "Ada", "crowded", markdown: Markdown);
        var honesty = await ChatKit.SectionIdAsync(server, "crowded", "Honesty");
        var commands = server.Services.GetRequiredService<ConstitutionHub.Core.Annotations.AnnotationCommands>();
        const int count = ConstitutionHub.Web.Features.Annotations.AnnotationLayer.VirtualizeAbove + 50;
        var quotes = new[] { "You only assert", "what you believe", "to be true", "you say so" };
        for (var i = 0; i < count; i += 10)
        {
            await Task.WhenAll(Enumerable.Range(i, Math.Min(10, count - i)).Select(n => commands.CreateAsync(ChatKit.Person($"Reader {n % 7}"), "crowded",
                new ConstitutionHub.Core.Annotations.NewAnnotation(1, honesty, quotes[n % quotes.Length], 0, ConstitutionHub.Core.Annotations.AnnotationKind.Comment,
                    $"Note {n}"), Guid.NewGuid())));
        }
        var listed = (await server.Client().GetFromJsonAsync<JsonElement>("/api/constitutions/crowded/annotations")).GetProperty("annotations")
            .EnumerateArray().Select(a => a.GetProperty("id").GetGuid()).ToArray();
        Assert.Equal(count, listed.Length);
        var last = listed[^1];

        var page = await Chromium.NewPageAsync(server.Address);
        await Chromium.GotoLiveAsync(page, $"/c/crowded?annotation={last}");
        await Assertions.Expect(page.GetByTestId("annotation-count")).ToHaveTextAsync(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator($"article[data-annotation-id='{last}'].is-selected")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"mark.annotation.is-selected[data-annotation-id='{last}']")).ToBeInViewportAsync();
        // Every thread is highlighted in the text, far fewer have a card.
        Assert.Equal(count, await page.EvaluateAsync<int>("() => new Set([...document.querySelectorAll('mark.annotation')].map(m => m.dataset.annotationId)).size"));
        var cards = await page.GetByTestId("annotation").CountAsync();
        Assert.InRange(cards, 1, count / 2);

        // Scrolling down the list brings its last cards.
        await page.EvaluateAsync("() => window.scrollTo(0, document.body.scrollHeight)");
        await Assertions.Expect(page.Locator($"article[data-annotation-id='{listed[^2]}']")).ToBeAttachedAsync();
        Assert.True(await page.GetByTestId("annotation").CountAsync() < count);
    }
}
