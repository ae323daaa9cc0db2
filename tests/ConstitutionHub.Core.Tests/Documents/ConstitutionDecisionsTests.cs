using ConstitutionHub.Core.Documents;

namespace ConstitutionHub.Core.Tests.Documents;

/// <summary>Command handling as Given (events) / When (command) / Then (events or refusal), with no database.</summary>
public sealed class ConstitutionDecisionsTests
{
    private static int counter;
    private static string NewId() => $"s{Interlocked.Increment(ref counter)}";
    private const string Text = "# Doc\n\n## Honesty\n\nTell the truth.\n\n## Curiosity\n\nAsk questions.\n";

    private static ConstitutionState Given(params object[] events) => ConstitutionState.From(events);

    private static object[] Created(string markdown = Text) =>
        ConstitutionDecisions.Create(Guid.NewGuid(), "local:ada", new CreateConstitution("doc", "Doc", "", Visibility.Public, markdown, "first"), NewId);

    [Fact]
    public void Creating_records_the_constitution_and_revision_one_with_section_ids()
    {
        var events = Created();

        var created = Assert.IsType<ConstitutionCreated>(events[0]);
        var first = Assert.IsType<RevisionCommitted>(events[1]);
        Assert.Equal("doc", created.Slug);
        Assert.Equal(1, first.Number);
        Assert.Equal(["Doc", "Honesty", "Curiosity"], first.Sections.Select(s => s.Heading));
        Assert.Equal(3, first.Sections.Select(s => s.Id).Distinct().Count());
    }

    [Fact]
    public void Creating_with_a_visibility_outside_its_three_names_is_refused()
    {
        var refused = Assert.Throws<ValidationException>(() => ConstitutionDecisions.Create(Guid.NewGuid(), "local:ada",
            new CreateConstitution("doc", "Doc", "", (Visibility)99, Text, "first"), NewId));
        Assert.Equal("visibility", refused.Field);
    }

    [Fact]
    public void Saving_on_the_newest_revision_commits_the_next_number_and_keeps_section_ids()
    {
        var state = Given(Created());
        var decision = ConstitutionDecisions.Save(state, Text.Replace("Ask questions.", "Ask good questions.", StringComparison.Ordinal),
            "better", 1, state.HeadMarkdown, NewId);

        var commit = Assert.IsType<SaveDecision.Commit>(decision);
        Assert.Equal(2, commit.Event.Number);
        Assert.False(commit.Event.Merged);
        Assert.Equal(state.HeadSections.Select(s => s.Id), commit.Event.Sections.Select(s => s.Id));
    }

    [Fact]
    public void Saving_on_a_stale_revision_merges_edits_to_different_sections()
    {
        var created = Created();
        var theirs = Text.Replace("Tell the truth.", "Tell the whole truth.", StringComparison.Ordinal);
        var state = Given([.. created, new RevisionCommitted(2, theirs, "theirs", ((RevisionCommitted)created[1]).Sections, 1)]);
        var mine = Text.Replace("Ask questions.", "Ask good questions.", StringComparison.Ordinal);

        var commit = Assert.IsType<SaveDecision.Commit>(ConstitutionDecisions.Save(state, mine, "mine", 1, Text, NewId));

        Assert.True(commit.Event.Merged);
        Assert.Equal(3, commit.Event.Number);
        Assert.Contains("Tell the whole truth.", commit.Event.Markdown, StringComparison.Ordinal);
        Assert.Contains("Ask good questions.", commit.Event.Markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Saving_on_a_stale_revision_with_overlapping_edits_is_a_conflict_that_records_nothing()
    {
        var created = Created();
        var theirs = Text.Replace("Tell the truth.", "Theirs.", StringComparison.Ordinal);
        var state = Given([.. created, new RevisionCommitted(2, theirs, "theirs", ((RevisionCommitted)created[1]).Sections, 1)]);

        var conflict = Assert.IsType<SaveDecision.Conflict>(ConstitutionDecisions.Save(state,
            Text.Replace("Tell the truth.", "Mine.", StringComparison.Ordinal), "mine", 1, Text, NewId));

        Assert.Equal(2, conflict.Head);
        var section = Assert.Single(conflict.Merge.Conflicts);
        Assert.Contains("Mine.", section.Mine, StringComparison.Ordinal);
        Assert.Contains("Theirs.", section.Theirs, StringComparison.Ordinal);
    }

    [Fact]
    public void Saving_the_same_text_again_records_nothing()
    {
        var state = Given(Created());
        Assert.IsType<SaveDecision.Unchanged>(ConstitutionDecisions.Save(state, Text, "", 1, Text, NewId));
    }

    [Fact]
    public void Restoring_an_old_revision_commits_its_text_as_a_new_revision()
    {
        var created = Created();
        var state = Given([.. created, new RevisionCommitted(2, "# Other\n", "rewrite", [], 1)]);

        var restored = ConstitutionDecisions.Restore(state, 1, Text, NewId);

        Assert.Equal(3, restored.Number);
        Assert.Equal(1, restored.RestoredFrom);
        Assert.Equal(Text, restored.Markdown);
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("Has Space")]
    [InlineData("")]
    public void Labels_must_be_simple_names_and_latest_moves_by_itself(string label)
    {
        var state = Given(Created());
        Assert.Throws<ValidationException>(() => ConstitutionDecisions.MoveLabel(state, label, 1));
    }

    [Fact]
    public void A_label_can_only_point_at_an_existing_revision()
    {
        var state = Given(Created());
        Assert.Throws<NotFoundException>(() => ConstitutionDecisions.MoveLabel(state, "published", 2));
        Assert.Equal(new LabelMoved("published", 1), ConstitutionDecisions.MoveLabel(state, "Published", 1));
    }

    [Fact]
    public void Oversize_documents_and_bad_slugs_are_refused_with_the_field_named()
    {
        var big = new string('a', DocumentRules.MaxMarkdownBytes + 1);
        var tooBig = Assert.Throws<ValidationException>(() => Created(big));
        Assert.Equal("markdown", tooBig.Field);
        var badSlug = Assert.Throws<ValidationException>(() => ConstitutionDecisions.Create(Guid.NewGuid(), "o",
            new CreateConstitution("Bad Slug", "T", "", Visibility.Public, "", ""), NewId));
        Assert.Equal("slug", badSlug.Field);
    }

    [Fact]
    public void Broken_variant_blocks_are_refused_with_a_line_number()
    {
        var e = Assert.Throws<ValidationException>(() => Created("# D\n\n## S\n\n:::variant Bad Name\ntext\n:::\n"));
        Assert.Contains("Line 5", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void State_applies_events_in_order()
    {
        var created = Created();
        var state = Given([.. created, new LabelMoved("published", 1), new DetailsChanged("New title", "s", Visibility.Private)]);

        Assert.Equal(1, state.Head);
        Assert.Equal(1, state.Labels["published"]);
        Assert.Equal("New title", state.Title);
        Assert.Equal(Visibility.Private, state.Visibility);
        Assert.Equal(4, state.Version);
    }
}
