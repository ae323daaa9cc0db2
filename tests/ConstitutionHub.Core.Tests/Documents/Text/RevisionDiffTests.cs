using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Tests.Documents.Text;

public sealed class RevisionDiffTests
{
    private static readonly string Old = Samples.Constitution + "\n";

    private static string Sections(string document, params string[] headings)
    {
        var sections = SectionParser.Parse(document);
        return string.Concat(headings.Select(h => sections.Single(s => s.Heading == h).Text));
    }

    private static string OldSide(IEnumerable<DiffSpan> spans) =>
        string.Concat(spans.Where(s => s.Kind != DiffSpanKind.Added).Select(s => s.Text));

    private static string NewSide(IEnumerable<DiffSpan> spans) =>
        string.Concat(spans.Where(s => s.Kind != DiffSpanKind.Removed).Select(s => s.Text));

    /// <summary>Lines without terminators; a final line break ends the last line rather than starting an empty one.</summary>
    private static string[] LinesOf(string text) => (text.EndsWith('\n') ? text[..^1] : text).Split('\n');

    [Fact]
    public void Given_identical_revisions_When_compared_Then_every_section_is_unchanged()
    {
        var diff = RevisionDiff.Compare(Old, Old);

        Assert.False(diff.HasChanges);
        Assert.All(diff.Sections, s => Assert.Equal(SectionChange.Unchanged, s.Status));
        Assert.All(diff.Sections.SelectMany(s => s.Rows), r => Assert.Equal(DiffRowKind.Unchanged, r.Kind));
        Assert.Equal(0, diff.WordsAdded + diff.WordsRemoved);
    }

    [Fact]
    public void Given_a_moved_section_When_compared_Then_it_is_reported_as_moved_not_removed_and_added()
    {
        var moved = Sections(Old, "Aster: a constitution", "Honesty", "Privacy", "Agreeableness", "Humour", "Examples", "Tone");

        var diff = RevisionDiff.Compare(Old, moved);

        var privacy = Assert.Single(diff.Sections, s => s.Status == SectionChange.Moved);
        Assert.Equal("Privacy", privacy.Heading);
        Assert.Equal((5, 2), (privacy.OldOrdinal!.Value, privacy.NewOrdinal!.Value));
        Assert.False(privacy.HasTextChanges);
        Assert.Equal(0, diff.Count(SectionChange.Added) + diff.Count(SectionChange.Removed));
        Assert.Equal(["Aster: a constitution", "Honesty", "Privacy", "Agreeableness", "Humour", "Examples", "Tone"],
            diff.Sections.Select(s => s.Heading));
    }

    [Fact]
    public void Given_a_moved_and_edited_section_When_compared_Then_it_is_moved_with_text_changes()
    {
        var moved = Sections(Old, "Aster: a constitution", "Privacy", "Honesty", "Agreeableness", "Humour", "Examples", "Tone")
            .Replace("reminds readers not to share passwords", "reminds readers never to share passwords");

        var privacy = RevisionDiff.Compare(Old, moved).Sections.Single(s => s.Heading == "Privacy");

        Assert.Equal(SectionChange.Moved, privacy.Status);
        Assert.True(privacy.HasTextChanges);
        Assert.Equal(1, privacy.WordsAdded);
        Assert.Equal(1, privacy.WordsRemoved);
    }

    [Fact]
    public void Given_one_changed_word_When_compared_Then_the_row_is_modified_with_word_level_spans()
    {
        var edited = Old.Replace("Aster may use light humour when the reader does", "Aster may use gentle humour when the reader does");

        var humour = RevisionDiff.Compare(Old, edited).Sections.Single(s => s.Heading == "Humour");

        Assert.Equal(SectionChange.Modified, humour.Status);
        var row = Assert.Single(humour.Rows, r => r.Kind != DiffRowKind.Unchanged);
        Assert.Equal(DiffRowKind.Modified, row.Kind);
        Assert.Equal(32, row.Old!.LineNumber);
        Assert.Equal(32, row.New!.LineNumber);
        Assert.Equal([new DiffSpan(DiffSpanKind.Unchanged, "Aster may use "), new DiffSpan(DiffSpanKind.Removed, "light"),
            new DiffSpan(DiffSpanKind.Unchanged, " humour when the reader does, never at the reader's expense")], row.Old.Spans);
        Assert.Equal(new DiffSpan(DiffSpanKind.Added, "gentle"), row.New.Spans[1]);
        Assert.Equal((1, 1), (humour.WordsAdded, humour.WordsRemoved));
    }

    [Fact]
    public void Given_a_replaced_phrase_When_compared_Then_words_and_the_spaces_between_them_form_one_span()
    {
        var edited = Old.Replace("A pun in reply to a pun is fine.", "A clever pun in answer to a pun is fine.");

        var row = RevisionDiff.Compare(Old, edited).Sections.Single(s => s.Heading == "Examples").Rows.Single(r => r.Kind == DiffRowKind.Modified);

        Assert.Contains(new DiffSpan(DiffSpanKind.Removed, "reply"), row.Old!.Spans);
        Assert.Contains(new DiffSpan(DiffSpanKind.Added, "answer"), row.New!.Spans);
        Assert.Contains(new DiffSpan(DiffSpanKind.Added, "clever "), row.New.Spans);
    }

    [Fact]
    public void Given_added_and_removed_sections_When_compared_Then_they_have_one_sided_rows_and_word_totals()
    {
        var edited = Sections(Old, "Aster: a constitution", "Honesty", "Agreeableness", "Humour", "Examples", "Tone")
            + "## Curiosity\n\nAster asks one good question.\n";

        var diff = RevisionDiff.Compare(Old, edited);

        var removed = Assert.Single(diff.Sections, s => s.Status == SectionChange.Removed);
        var added = Assert.Single(diff.Sections, s => s.Status == SectionChange.Added);
        Assert.Equal("Privacy", removed.Heading);
        Assert.Null(removed.NewOrdinal);
        Assert.All(removed.Rows, r => Assert.Null(r.New));
        Assert.All(added.Rows, r => Assert.Null(r.Old));
        Assert.Equal(["## Curiosity", "", "Aster asks one good question."], added.Rows.Select(r => r.New!.Text));
        Assert.Equal(6, added.WordsAdded);
        Assert.Equal(30, removed.WordsRemoved);
        Assert.Equal(6, diff.WordsAdded);
        Assert.Equal(30, diff.WordsRemoved);
    }

    [Fact]
    public void Given_a_removed_section_When_compared_Then_it_is_listed_after_its_old_predecessor()
    {
        var edited = Sections(Old, "Aster: a constitution", "Agreeableness", "Humour", "Examples", "Privacy", "Tone");

        var diff = RevisionDiff.Compare(Old, edited);

        Assert.Equal(["Aster: a constitution", "Honesty", "Agreeableness", "Humour", "Examples", "Privacy", "Tone"],
            diff.Sections.Select(s => s.Heading));
        Assert.Equal(SectionChange.Removed, diff.Sections[1].Status);
    }

    [Fact]
    public void Given_a_renamed_heading_When_compared_Then_the_section_is_modified_and_renamed()
    {
        var edited = Samples.ReplaceLine(Old, "## Honesty", "## Truthfulness");

        var section = RevisionDiff.Compare(Old, edited).Sections[1];

        Assert.Equal(SectionChange.Modified, section.Status);
        Assert.True(section.IsRenamed);
        Assert.Equal(("Truthfulness", "Honesty"), (section.Heading, section.OldHeading));
    }

    [Theory]
    [MemberData(nameof(ThreeWayMergeTests.Seeds), MemberType = typeof(ThreeWayMergeTests))]
    public void Given_random_edits_When_compared_Then_spans_and_rows_rebuild_both_revisions_exactly(int seed)
    {
        var edited = RandomEdits.Apply(Old, seed);

        var diff = RevisionDiff.Compare(Old, edited);

        var oldSections = diff.Sections.Where(s => s.OldOrdinal is not null).OrderBy(s => s.OldOrdinal);
        var newSections = diff.Sections.Where(s => s.NewOrdinal is not null).OrderBy(s => s.NewOrdinal);
        Assert.Equal(Old, string.Concat(oldSections.Select(s => OldSide(s.Inline))));
        Assert.Equal(edited, string.Concat(newSections.Select(s => NewSide(s.Inline))));
        Assert.Equal(LinesOf(Old),
            oldSections.SelectMany(s => s.Rows).Where(r => r.Old is not null).Select(r => r.Old!.Text));
        Assert.Equal(Enumerable.Range(1, LinesOf(Old).Length),
            oldSections.SelectMany(s => s.Rows).Where(r => r.Old is not null).Select(r => r.Old!.LineNumber));
        Assert.Equal(LinesOf(edited),
            newSections.SelectMany(s => s.Rows).Where(r => r.New is not null).Select(r => r.New!.Text));
        Assert.All(diff.Sections.SelectMany(s => s.Rows).Where(r => r.Old is not null), r =>
            Assert.DoesNotContain(r.Old!.Spans, span => span.Kind == DiffSpanKind.Added));
    }

    [Fact]
    public void Given_two_outputs_When_diffed_by_words_Then_the_changed_phrase_is_one_span_and_both_texts_come_back()
    {
        const string a = "Answer 1, **briefly** <i onmouseover=\"x()\">raw</i>";
        const string b = "Answer 1, **at great length** <i onmouseover=\"x()\">raw</i>";

        var diff = RevisionDiff.Words(a, b);

        Assert.Equal((a, b), (OldSide(diff.Spans), NewSide(diff.Spans)));
        Assert.Equal("briefly", Assert.Single(diff.Spans, s => s.Kind == DiffSpanKind.Removed).Text);
        Assert.Equal("at great length", Assert.Single(diff.Spans, s => s.Kind == DiffSpanKind.Added).Text);
        Assert.Equal((3, 1), (diff.Added, diff.Removed));
        Assert.Equal(0, RevisionDiff.Words(a, a).Added + RevisionDiff.Words(a, a).Removed);
    }
}
