using ConstitutionHub.Core.Annotations;
using ConstitutionHub.Core.Annotations.Anchoring;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Testing;

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
        Assert.Equal("Why first?", (await queries.EditsAsync(id)).Single().Body);
        var events = await test.Streams.ReadStreamAsync(AnnotationStream.Id(id));
        Assert.Contains(events, e => e.Data is CommentDeleted);

        await commands.SetResolvedAsync(Ada, id, false, Guid.NewGuid());
        Assert.False((await queries.ByIdAsync(id))!.Row.Resolved);
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
