using ConstitutionHub.Core.Annotations;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Watching;
using ConstitutionHub.Testing;

namespace ConstitutionHub.Core.Tests.Watching;

/// <summary>Who is notified of what, on a real PostgreSQL with the async projection caught up as a node's daemon
/// would: watchers of threads, sections and constitutions, the people mentioned, and nobody for their own actions or
/// about a document they can no longer read.</summary>
public sealed class NotificationTests : IAsyncLifetime
{
    private static readonly Actor Ada = new("local:ada", "Ada");
    private static readonly Actor Bob = new("local:bob", "Bob");
    private static readonly Actor Carol = new("local:carol", "Carol");
    private static readonly Actor Dan = new("local:dan", "Dan");
    private const string Text = """
        # Sample

        ## Honesty

        You only assert what you believe to be true. When you are unsure, you say so.

        ## Style

        Answer the question first, then add context.
        """;

    private TestStore test = null!;
    private ConstitutionCommands documents = null!;
    private ConstitutionQueries constitutions = null!;
    private AnnotationCommands annotations = null!;
    private WatchCommands watches = null!;
    private NotificationQueries inbox = null!;

    public async Task InitializeAsync()
    {
        test = await TestStore.CreateAsync(nameof(NotificationTests));
        constitutions = new ConstitutionQueries(test.DataSource);
        documents = new ConstitutionCommands(test.Streams, constitutions);
        var annotationQueries = new AnnotationQueries(test.DataSource);
        annotations = new AnnotationCommands(test.Streams, test.Store, constitutions, annotationQueries, new ChatQueries(test.DataSource),
            new RevisionTexts(constitutions), TimeProvider.System);
        watches = new WatchCommands(test.Streams, test.DataSource, constitutions, annotationQueries, TimeProvider.System);
        inbox = new NotificationQueries(test.DataSource, constitutions);
        var people = new PeopleDirectory(test.DataSource);
        foreach (var person in new[] { Ada, Bob, Carol, Dan })
            await people.SignedInAsync(new SignInClaims(PeopleDirectory.LocalIssuer, person.Id["local:".Length..], person.Name, person.Name));
    }

    public async Task DisposeAsync() => await test.DisposeAsync();

    private async Task<ConstitutionRow> Create(string slug) =>
        await documents.CreateAsync(Ada, new CreateConstitution(slug, "Sample", "", Visibility.Public, Text, "first"), Guid.NewGuid());

    private async Task<string> SectionId(ConstitutionRow c, string heading) =>
        (await constitutions.RevisionAsync(c.Id, 1))!.Sections.Single(s => s.Heading == heading).Id;

    private async Task<Guid> Annotate(Actor actor, ConstitutionRow c, string body = "Is this right?", FindingClaim? finding = null) =>
        await annotations.CreateAsync(actor, c.Slug, new NewAnnotation(null, await SectionId(c, "Honesty"), "you say so", 60,
            finding is null ? AnnotationKind.Comment : AnnotationKind.Finding, body, finding), Guid.NewGuid());

    private async Task Save(Actor actor, ConstitutionRow c, Func<string, string> edit)
    {
        var state = (await constitutions.StateAsync(c.Slug))!;
        await documents.SaveAsync(actor, c.Slug, edit(state.HeadMarkdown), "edit", state.Head, Guid.NewGuid());
    }

    private async Task Watch(Actor actor, ConstitutionRow c, WatchKind kind, bool watch = true, string? section = null, Guid? thread = null) =>
        await watches.SetAsync(actor, await watches.TargetAsync(actor, c.Slug, kind, section, thread), watch);

    /// <summary>What each person's inbox holds once the daemon has caught up: kind and text, newest first.</summary>
    private async Task<IReadOnlyList<(NotificationKind Kind, string Text)>> Inbox(Actor actor)
    {
        await test.CatchUpAsync();
        return (await inbox.ListAsync(actor)).Select(n => (n.Kind, n.Text)).ToList();
    }

    [Fact]
    public async Task A_reply_notifies_the_author_and_the_others_in_the_thread_but_never_the_one_who_replied()
    {
        var c = await Create("replies");
        var thread = await Annotate(Bob, c);
        await annotations.ReplyAsync(Carol, thread, "I think so.", Guid.NewGuid());
        await annotations.ReplyAsync(Bob, thread, "Thanks!", Guid.NewGuid());

        Assert.Equal([(NotificationKind.Reply, "I think so.")], await Inbox(Bob));
        Assert.Equal([(NotificationKind.Reply, "Thanks!")], await Inbox(Carol));
        // The owner watches revisions of the constitution, not every thread on it.
        Assert.Empty(await Inbox(Ada));
    }

    [Fact]
    public async Task A_mention_notifies_the_person_once_and_wins_over_the_reply_it_is_written_in()
    {
        var c = await Create("mentions");
        var thread = await Annotate(Bob, c, "What does @dan think?");
        var reply = await annotations.ReplyAsync(Carol, thread, "@bob @Dan see above", Guid.NewGuid());
        // An edit keeping the mentions repeats none of them.
        await annotations.EditAsync(Carol, thread, reply, "@bob @dan see above, please", Guid.NewGuid());

        Assert.Equal([(NotificationKind.Mention, "@bob @Dan see above")], await Inbox(Bob));
        Assert.Equal([NotificationKind.Mention, NotificationKind.Mention], (await Inbox(Dan)).Select(n => n.Kind));
        Assert.Empty(await Inbox(Carol));
    }

    [Fact]
    public async Task A_revision_notifies_the_owner_the_constitution_watchers_and_watchers_of_a_changed_section_only()
    {
        var c = await Create("revisions");
        await Watch(Bob, c, WatchKind.Section, section: await SectionId(c, "Honesty"));
        await Watch(Carol, c, WatchKind.Section, section: await SectionId(c, "Style"));
        await Watch(Dan, c, WatchKind.Constitution);

        await Save(Bob, c, text => text.Replace("then add context", "then add context briefly"));

        Assert.Equal([(NotificationKind.Revision, "r2: edit")], await Inbox(Ada));
        Assert.Equal([(NotificationKind.Revision, "r2: edit")], await Inbox(Carol));
        Assert.Equal([(NotificationKind.Revision, "r2: edit")], await Inbox(Dan));
        Assert.Empty(await Inbox(Bob));
        var link = (await inbox.ListAsync(Dan)).Single().Link;
        Assert.Equal("/c/revisions/diff?from=1&to=2", link);
    }

    [Fact]
    public async Task Unwatching_what_one_watches_by_default_stops_its_notifications()
    {
        var c = await Create("unwatched");
        var thread = await Annotate(Bob, c);
        Assert.True(await watches.IsWatchingAsync(Bob.Id, await watches.TargetAsync(Bob, c.Slug, WatchKind.Thread, null, thread)));
        await Watch(Bob, c, WatchKind.Thread, watch: false, thread: thread);
        await Watch(Ada, c, WatchKind.Constitution, watch: false);

        await annotations.ReplyAsync(Carol, thread, "A reply nobody watches.", Guid.NewGuid());
        await Save(Carol, c, text => text + "\nMore.\n");

        Assert.Empty(await Inbox(Bob));
        Assert.Empty(await Inbox(Ada));
        Assert.False(await watches.IsWatchingAsync(Bob.Id, await watches.TargetAsync(Bob, c.Slug, WatchKind.Thread, null, thread)));
    }

    [Fact]
    public async Task A_finding_status_change_notifies_its_thread_and_the_constitution_watchers()
    {
        var c = await Create("findings");
        var finding = await Annotate(Bob, c, "Models hedge more.",
            new FindingClaim([await SectionId(c, "Honesty")], ["default"], "hedging", FindingDirection.Helps, FindingStrength.SmallTest));
        await annotations.ChangeStatusAsync(Carol, finding, FindingStatus.Supported, "Replicated twice.", Guid.NewGuid());

        Assert.Equal([(NotificationKind.FindingStatus, "supported: Replicated twice.")], await Inbox(Bob));
        Assert.Equal([(NotificationKind.FindingStatus, "supported: Replicated twice.")], await Inbox(Ada));
        Assert.Empty(await Inbox(Carol));
        Assert.Equal($"/c/findings?annotation={finding}", (await inbox.ListAsync(Ada)).Single().Link);
    }

    [Fact]
    public async Task Nobody_sees_or_counts_notifications_about_a_document_they_can_no_longer_read()
    {
        var c = await Create("made-private");
        var thread = await Annotate(Bob, c);
        await annotations.ReplyAsync(Ada, thread, "Noted.", Guid.NewGuid());
        Assert.Single(await Inbox(Bob));
        Assert.Equal(1, await inbox.UnreadCountAsync(Bob));

        await documents.ChangeDetailsAsync(Ada, c.Slug, "Sample", "", Visibility.Private, Guid.NewGuid());
        await annotations.ReplyAsync(Ada, thread, "Now private.", Guid.NewGuid());

        Assert.Empty(await Inbox(Bob));
        Assert.Equal(0, await inbox.UnreadCountAsync(Bob));
    }

    [Fact]
    public async Task Marking_read_counts_down_the_unread_and_touches_only_the_readers_own_notifications()
    {
        var c = await Create("reading");
        var thread = await Annotate(Bob, c);
        await annotations.ReplyAsync(Carol, thread, "One.", Guid.NewGuid());
        await annotations.ReplyAsync(Carol, thread, "Two.", Guid.NewGuid());
        await annotations.ReplyAsync(Dan, thread, "Three.", Guid.NewGuid());
        await test.CatchUpAsync();
        var bobs = await inbox.ListAsync(Bob);
        Assert.Equal(3, await inbox.UnreadCountAsync(Bob));

        // Bob's notification of Carol's own reply is not hers to mark: she has none for that event.
        await inbox.MarkReadAsync(Carol, [bobs[1].Seq]);
        Assert.Equal(3, await inbox.UnreadCountAsync(Bob));
        await inbox.MarkReadAsync(Bob, [bobs[0].Seq]);
        Assert.Equal(2, await inbox.UnreadCountAsync(Bob));
        Assert.Equal(["One.", "Two."], (await inbox.ListAsync(Bob, unreadOnly: true)).Select(n => n.Text).Reverse());
        await inbox.MarkReadAsync(Bob, null);
        Assert.Equal(0, await inbox.UnreadCountAsync(Bob));
        Assert.Equal(1, await inbox.UnreadCountAsync(Carol)); // Dan's reply; her own two told her nothing
    }
}
