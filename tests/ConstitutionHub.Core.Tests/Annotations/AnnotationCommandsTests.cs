using ConstitutionHub.Core.Annotations;
using ConstitutionHub.Core.Annotations.Anchoring;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ConstitutionHub.Core.Tests.Annotations;

/// <summary>Annotations on a real PostgreSQL: made on a selection, carried across revisions, discussed, and findings
/// that notice when the text under them changes.</summary>
public sealed class AnnotationCommandsTests : IAsyncLifetime
{
    private static readonly Actor Ada = new("local:ada", "Ada");
    private static readonly Actor Bob = new("local:bob", "Bob");
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
    private AnnotationCommands commands = null!;
    private AnnotationQueries queries = null!;

    public async Task InitializeAsync()
    {
        test = await TestStore.CreateAsync(nameof(AnnotationCommandsTests));
        constitutions = new ConstitutionQueries(test.DataSource);
        documents = new ConstitutionCommands(test.Streams, constitutions);
        queries = new AnnotationQueries(test.DataSource);
        commands = new AnnotationCommands(test.Streams, test.Store, constitutions, queries, new ChatQueries(test.DataSource),
            new RevisionTexts(constitutions), TimeProvider.System);
    }

    public async Task DisposeAsync() => await test.DisposeAsync();

    private async Task<ConstitutionRow> Create(string slug, Visibility visibility = Visibility.Public) =>
        await documents.CreateAsync(Ada, new CreateConstitution(slug, "Sample", "", visibility, Text, "first"), Guid.NewGuid());

    private async Task<string> SectionId(ConstitutionRow c, string heading, int? revision = null) =>
        (await constitutions.RevisionAsync(c.Id, revision ?? (await constitutions.BySlugAsync(c.Slug))!.HeadRevision))!.Sections.Single(s => s.Heading == heading).Id;

    private async Task Save(ConstitutionRow c, Func<string, string> edit)
    {
        var state = (await constitutions.StateAsync(c.Slug))!;
        await documents.SaveAsync(Ada, c.Slug, edit(state.HeadMarkdown), "edit", state.Head, Guid.NewGuid());
    }

    [Fact]
    public async Task An_annotation_on_a_selection_is_anchored_to_the_section_quote_and_position_of_its_revision()
    {
        var c = await Create("anchor-made");
        var honesty = await SectionId(c, "Honesty");

        var id = await commands.CreateAsync(Bob, c.Slug, new NewAnnotation(null, honesty, "you say so", 60, AnnotationKind.Question, "Says **how** unsure?"), Guid.NewGuid());

        var view = (await queries.ForRevisionAsync(c.Id, 1)).Single();
        Assert.Equal(id, view.Row.Id);
        Assert.Equal(AnnotationKind.Question, view.Row.Kind);
        Assert.Equal("Bob", view.Opening.AuthorName);
        Assert.Equal("Says **how** unsure?", view.Opening.Body);
        Assert.Equal(honesty, view.Anchor!.SectionId);
        Assert.Equal("you say so", view.Anchor.Exact);
        Assert.Equal("When you are unsure, ", view.Anchor.Prefix[^21..]);
        Assert.Equal(".", view.Anchor.Suffix);
    }

    [Fact]
    public async Task A_new_revision_carries_the_anchor_an_edit_that_removes_the_text_orphans_it_and_a_restore_finds_it_again()
    {
        var c = await Create("carried");
        var honesty = await SectionId(c, "Honesty");
        var id = await commands.CreateAsync(Bob, c.Slug, new NewAnnotation(null, honesty, "When you are unsure", 0, AnnotationKind.Comment, "Good."), Guid.NewGuid());

        await Save(c, t => t.Replace("You only assert", "First of all, you only assert"));
        Assert.Equal(1, await commands.CarryForwardAsync(c.Id));
        var moved = (await queries.ForRevisionAsync(c.Id, 2)).Single();
        Assert.Equal(AnchorOutcome.Shifted, moved.Outcome);
        Assert.Equal(AnchorMethod.Diff, moved.Method);
        Assert.Equal("When you are unsure", moved.Anchor!.Exact);

        await Save(c, t => t.Replace(" When you are unsure, you say so.", ""));
        await commands.CarryForwardAsync(c.Id);
        var orphan = (await queries.ForRevisionAsync(c.Id, 3)).Single();
        Assert.True(orphan.IsOrphan);
        Assert.Equal("When you are unsure", orphan.Row.Original.Exact);

        await documents.RestoreAsync(Ada, c.Slug, 2, Guid.NewGuid());
        await commands.CarryForwardAsync(c.Id);
        var back = (await queries.ForRevisionAsync(c.Id, 4)).Single();
        Assert.Equal("When you are unsure", back.Anchor!.Exact);
        Assert.Equal(0, await commands.CarryForwardAsync(c.Id)); // nothing left to do, and a second run changes nothing
        Assert.Equal(id, (await queries.ByIdAsync(id))!.Row.Id);
    }

    [Fact]
    public async Task Carrying_the_same_revision_from_two_places_at_once_records_it_once()
    {
        var c = await Create("carried-twice");
        var style = await SectionId(c, "Style");
        for (var i = 0; i < 20; i++)
            await commands.CreateAsync(Bob, c.Slug, new NewAnnotation(null, style, "the question", 0, AnnotationKind.Comment, $"n{i}"), Guid.NewGuid());
        await Save(c, t => t.Replace("## Style", "## Style of answers"));

        await Task.WhenAll(commands.CarryForwardAsync(c.Id), commands.CarryForwardAsync(c.Id));

        var views = await queries.ForRevisionAsync(c.Id, 2);
        Assert.Equal(20, views.Count);
        Assert.All(views, v => Assert.Equal("the question", v.Anchor!.Exact));
        Assert.Empty(await queries.PendingAsync(c.Id, 2));
    }

    [Fact]
    public async Task An_annotation_made_on_an_old_revision_is_carried_to_the_newest_at_once()
    {
        var c = await Create("old-revision");
        await Save(c, t => t.Replace("## Style", "A new paragraph.\n\n## Style"));
        var style = await SectionId(c, "Style", 1);

        await commands.CreateAsync(Bob, c.Slug, new NewAnnotation(1, style, "add context", 0, AnnotationKind.Comment, "Which context?"), Guid.NewGuid());

        Assert.Single(await queries.ForRevisionAsync(c.Id, 1));
        Assert.Equal("add context", (await queries.ForRevisionAsync(c.Id, 2)).Single().Anchor!.Exact);
    }

    [Theory]
    [InlineData("no-such-section", "you say so", "sectionId")]
    [InlineData(null, "not in the text", "exact")]
    [InlineData(null, "   ", "exact")]
    public async Task A_selection_that_is_not_in_the_revision_is_refused_with_the_field(string? section, string exact, string field)
    {
        var c = await Create($"refused-{field.ToLowerInvariant()}-{exact.Length}");
        var honesty = section ?? await SectionId(c, "Honesty");
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            commands.CreateAsync(Bob, c.Slug, new NewAnnotation(null, honesty, exact, 0, AnnotationKind.Comment, "x"), Guid.NewGuid()));
        Assert.Equal(field, error.Field);
        Assert.Empty(await queries.ForRevisionAsync(c.Id, 1));
    }

    [Fact]
    public async Task Nobody_signed_out_annotates_and_a_private_document_does_not_admit_to_existing()
    {
        var open = await Create("open-doc");
        var secret = await Create("secret-doc", Visibility.Private);
        var section = await SectionId(open, "Honesty");
        var secretSection = await SectionId(secret, "Honesty");

        await Assert.ThrowsAsync<ForbiddenException>(() =>
            commands.CreateAsync(null!, open.Slug, new NewAnnotation(null, section, "you say so", 0, AnnotationKind.Comment, "x"), Guid.NewGuid()));
        await Assert.ThrowsAsync<NotFoundException>(() =>
            commands.CreateAsync(Bob, secret.Slug, new NewAnnotation(null, secretSection, "you say so", 0, AnnotationKind.Comment, "x"), Guid.NewGuid()));
    }

    [Fact]
    public async Task A_thread_takes_replies_edits_with_history_deletes_kept_as_events_and_resolves()
    {
        var c = await Create("thread");
        var id = await commands.CreateAsync(Bob, c.Slug, new NewAnnotation(null, await SectionId(c, "Style"), "first", 0, AnnotationKind.Comment, "Why first?"), Guid.NewGuid());
        var reply = await commands.ReplyAsync(Ada, id, "Because @bob asked, see @Carol.", Guid.NewGuid());

        await commands.EditAsync(Bob, id, id, "Why first, always?", Guid.NewGuid());
        Assert.Equal(["Why first?", "Why first, always?"], (await queries.HistoryAsync(id, id))!.Select(v => v.Body));
        await Assert.ThrowsAsync<ForbiddenException>(() => commands.EditAsync(Bob, id, reply, "hijack", Guid.NewGuid()));
        await Assert.ThrowsAsync<ForbiddenException>(() => commands.DeleteAsync(Bob, id, reply, Guid.NewGuid()));
        await commands.DeleteAsync(Ada, id, id, Guid.NewGuid()); // the owner moderates
        await commands.SetResolvedAsync(Bob, id, true, Guid.NewGuid());
        await Assert.ThrowsAsync<ValidationException>(() => commands.SetResolvedAsync(Bob, id, true, Guid.NewGuid()));

        var view = (await queries.ByIdAsync(id))!;
        Assert.True(view.Row.Resolved);
        Assert.True(view.Opening.Deleted);
        Assert.Equal("", view.Opening.Body);
        Assert.Equal(["bob", "carol"], view.Replies.Single().Mentions);
        Assert.Null(await queries.HistoryAsync(id, id)); // a deleted comment's texts are not shown any more
        var events = await test.Streams.ReadStreamAsync(AnnotationStream.Id(id));
        Assert.Contains(events, e => e.Data is CommentDeleted);

        await commands.SetResolvedAsync(Ada, id, false, Guid.NewGuid());
        Assert.False((await queries.ByIdAsync(id))!.Row.Resolved);
    }

    [Fact]
    public async Task A_comments_history_lists_every_version_with_who_wrote_it_and_when_and_refuses_edits_that_change_nothing()
    {
        var t0 = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(t0);
        var timed = new AnnotationCommands(test.Streams, test.Store, constitutions, queries, new ChatQueries(test.DataSource),
            new RevisionTexts(constitutions), clock);
        var c = await Create("history");
        var id = await timed.CreateAsync(Bob, c.Slug, new NewAnnotation(null, await SectionId(c, "Style"), "first", 0, AnnotationKind.Comment, "Why *first*?"), Guid.NewGuid());
        var reply = await timed.ReplyAsync(Ada, id, "Readers want the answer.", Guid.NewGuid());
        clock.Advance(TimeSpan.FromMinutes(5));
        await timed.EditAsync(Bob, id, id, "Why first, always?", Guid.NewGuid());
        clock.Advance(TimeSpan.FromHours(2));
        await timed.EditAsync(Bob, id, id, "Why first, always? @ada", Guid.NewGuid());

        var unchanged = await Assert.ThrowsAsync<ValidationException>(() => timed.EditAsync(Bob, id, id, "  Why first, always? @ada \n", Guid.NewGuid()));
        Assert.Equal("body", unchanged.Field);
        var tooLong = await Assert.ThrowsAsync<ValidationException>(() =>
            timed.EditAsync(Bob, id, id, new string('x', AnnotationDecisions.MaxBodyLength + 1), Guid.NewGuid()));
        Assert.Equal("body", tooLong.Field);
        await Assert.ThrowsAsync<ForbiddenException>(() => timed.EditAsync(Ada, id, id, "The owner rewrites it.", Guid.NewGuid()));

        var versions = (await queries.HistoryAsync(id, id))!;
        Assert.Equal([1, 2, 3], versions.Select(v => v.Number));
        Assert.Equal(["Why *first*?", "Why first, always?", "Why first, always? @ada"], versions.Select(v => v.Body));
        Assert.All(versions, v => Assert.Equal("Bob", v.ByName));
        Assert.Equal([t0, t0.AddMinutes(5), t0.AddMinutes(125)], versions.Select(v => v.At));
        var opening = (await queries.ByIdAsync(id))!.Opening;
        Assert.Equal(2, opening.EditCount);
        Assert.Equal(versions[^1].At, opening.Updated);
        Assert.Equal(["ada"], opening.Mentions);

        // A comment never edited has one version; another thread's comment is not this thread's.
        Assert.Equal("Readers want the answer.", (await queries.HistoryAsync(id, reply))!.Single().Body);
        Assert.Null(await queries.HistoryAsync(Guid.NewGuid(), reply));
        Assert.Null(await queries.HistoryAsync(id, Guid.NewGuid()));
    }

    [Fact]
    public async Task The_threads_whose_anchor_shifted_moved_changed_or_was_lost_between_two_revisions_are_listed_with_where_they_were()
    {
        var c = await Create("reanchored");
        var honesty = await SectionId(c, "Honesty");
        var style = await SectionId(c, "Style");
        var shifted = await commands.CreateAsync(Bob, c.Slug, new NewAnnotation(null, honesty, "you say so", 0, AnnotationKind.Comment, "a"), Guid.NewGuid());
        var reworded = await commands.CreateAsync(Bob, c.Slug, new NewAnnotation(null, style, "Answer the question first", 0, AnnotationKind.Question, "b"), Guid.NewGuid());
        var lost = await commands.CreateAsync(Bob, c.Slug, new NewAnnotation(null, style, "add context", 0, AnnotationKind.Comment, "c"), Guid.NewGuid());
        var still = await commands.CreateAsync(Bob, c.Slug, new NewAnnotation(null, honesty, "You only assert", 0, AnnotationKind.Comment, "d"), Guid.NewGuid());

        await Save(c, t => t
            .Replace("When you are unsure", "When you are not at all sure")
            .Replace("Answer the question first, then add context.", "Answer the questions first."));
        await commands.CarryForwardAsync(c.Id);
        var changes = await queries.ReanchoredAsync(c.Id, 1, 2);

        Assert.DoesNotContain(changes, r => r.Id == still);
        Assert.Equal([shifted, reworded, lost], changes.Select(r => r.Id));
        var byId = changes.ToDictionary(r => r.Id);
        Assert.Equal(AnchorChange.Shifted, byId[shifted].Change);
        Assert.Equal("you say so", byId[shifted].After!.Exact);
        Assert.Equal(AnchorChange.Changed, byId[reworded].Change);
        Assert.Equal(AnchorMethod.Fuzzy, byId[reworded].Method);
        Assert.Equal("Answer the question first", byId[reworded].Before!.Exact);
        Assert.Equal("Answer the questions first", byId[reworded].After!.Exact);
        Assert.Equal(AnchorChange.Orphaned, byId[lost].Change);
        Assert.Null(byId[lost].After);
        Assert.Equal("add context", byId[lost].Before!.Exact);
        Assert.Empty(await queries.ReanchoredAsync(c.Id, 2, 2));

        // A restore brings the lost text back: found again from r2 to r3, unchanged over r1 to r3 except where it moved.
        await documents.RestoreAsync(Ada, c.Slug, 1, Guid.NewGuid());
        await commands.CarryForwardAsync(c.Id);
        Assert.Equal(AnchorChange.Found, (await queries.ReanchoredAsync(c.Id, 2, 3)).Single(r => r.Id == lost).Change);
        Assert.DoesNotContain(await queries.ReanchoredAsync(c.Id, 1, 3), r => r.Id == lost);
    }

    [Fact]
    public async Task The_version_of_a_revisions_threads_is_that_of_the_threads_read_and_changes_with_any_write_to_them()
    {
        var c = await Create("threads-version");
        var honesty = await SectionId(c, "Honesty");
        var id = await commands.CreateAsync(Bob, c.Slug, new NewAnnotation(null, honesty, "you say so", 0, AnnotationKind.Comment, "a"), Guid.NewGuid());
        var read = await queries.ForRevisionAsync(c.Id, 1);
        var version = await queries.VersionAsync(c.Id, 1);
        Assert.Equal(ThreadsVersion.Of(read), version);

        await commands.ReplyAsync(Ada, id, "A reply.", Guid.NewGuid());
        var afterReply = await queries.VersionAsync(c.Id, 1);
        Assert.NotEqual(version, afterReply);
        Assert.Equal(ThreadsVersion.Of(await queries.ForRevisionAsync(c.Id, 1)), afterReply);

        await commands.CreateAsync(Bob, c.Slug, new NewAnnotation(null, honesty, "You only assert", 0, AnnotationKind.Comment, "b"), Guid.NewGuid());
        var afterNew = await queries.VersionAsync(c.Id, 1);
        Assert.Equal(2, afterNew.Threads);

        // Carrying the threads to a new revision writes to each: what revision 1 shows of them (where they are now) moved on.
        await Save(c, t => t.Replace("## Style", "## Tone"));
        await commands.CarryForwardAsync(c.Id);
        Assert.NotEqual(afterNew, await queries.VersionAsync(c.Id, 1));
        Assert.Equal(ThreadsVersion.Of(await queries.ForRevisionAsync(c.Id, 2)), await queries.VersionAsync(c.Id, 2));
    }

    [Theory]
    [InlineData("s", "quote", 0, "s", "quote", 0, false, null)]
    [InlineData("s", "quote", 0, "s", "quote", 7, false, AnchorChange.Shifted)]
    [InlineData("s", "quote", 0, "t", "quote", 0, false, AnchorChange.Moved)]
    [InlineData("s", "quote", 0, "t", "quotes", 0, false, AnchorChange.Changed)]
    [InlineData("s", "quote", 0, "s", "quote", 0, true, AnchorChange.Changed)]
    [InlineData("s", "quote", 0, null, null, 0, false, AnchorChange.Orphaned)]
    [InlineData(null, null, 0, "s", "quote", 0, false, AnchorChange.Found)]
    [InlineData(null, null, 0, null, null, 0, false, null)]
    public void An_anchor_change_is_named_by_how_far_the_anchor_went(string? fromSection, string? fromExact, int fromStart, string? toSection,
        string? toExact, int toStart, bool fuzzy, AnchorChange? expected)
    {
        static TextAnchor? Anchor(string? section, string? exact, int start) =>
            section is null ? null : new TextAnchor(section, exact!, "", "", start, start + exact!.Length);
        Assert.Equal(expected, AnchorChanges.Between(Anchor(fromSection, fromExact, fromStart), Anchor(toSection, toExact, toStart), fuzzy));
    }

    [Fact]
    public async Task A_finding_records_its_claim_evidence_and_status_and_turns_stale_when_its_section_changes_until_reconfirmed()
    {
        var c = await Create("finding");
        var honesty = await SectionId(c, "Honesty");
        var id = await commands.CreateAsync(Bob, c.Slug, new NewAnnotation(null, honesty, "you say so", 0, AnnotationKind.Finding,
            "Models say how unsure they are more often.", new FindingClaim([honesty], ["default"], "hedging", FindingDirection.Helps, FindingStrength.SmallTest)),
            Guid.NewGuid());
        await commands.AddEvidenceAsync(Ada, id, new NewEvidence(EvidenceKind.Url, "https://example.org/eval", EvidenceRelation.Supports, "an eval"), Guid.NewGuid());
        await Assert.ThrowsAsync<ValidationException>(() =>
            commands.AddEvidenceAsync(Ada, id, new NewEvidence(EvidenceKind.Url, "javascript:alert(1)", EvidenceRelation.Supports, ""), Guid.NewGuid()));
        await Assert.ThrowsAsync<ValidationException>(() => commands.ChangeStatusAsync(Ada, id, FindingStatus.Supported, " ", Guid.NewGuid()));
        await commands.ChangeStatusAsync(Ada, id, FindingStatus.Supported, "Replicated twice.", Guid.NewGuid());

        var head = async () => (await constitutions.RevisionAsync(c.Id, (await constitutions.BySlugAsync(c.Slug))!.HeadRevision))!.Sections;
        var view = (await queries.ByIdAsync(id))!;
        Assert.Equal(FindingStatus.Supported, view.Row.Status);
        Assert.Equal("Ada", view.Row.StatusByName);
        Assert.Equal("hedging", view.Row.Finding!.Behaviour);
        Assert.Equal("https://example.org/eval", view.Evidence.Single().Target);
        Assert.Empty(FindingStaleness.ChangedSections(view.Row.BasisHashes, await head()));

        await Save(c, t => t.Replace("## Style\n\nAnswer", "## Style\n\nAlways answer")); // another section: not stale
        Assert.Empty(FindingStaleness.ChangedSections((await queries.ByIdAsync(id))!.Row.BasisHashes, await head()));
        await Save(c, t => t.Replace("true.", "true, and nothing else."));
        Assert.Equal([honesty], FindingStaleness.ChangedSections((await queries.ByIdAsync(id))!.Row.BasisHashes, await head()));

        await commands.ReconfirmAsync(Bob, id, "Re-ran on r3.", Guid.NewGuid());
        Assert.Empty(FindingStaleness.ChangedSections((await queries.ByIdAsync(id))!.Row.BasisHashes, await head()));
    }
}
