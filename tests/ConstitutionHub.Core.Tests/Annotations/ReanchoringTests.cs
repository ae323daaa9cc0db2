using ConstitutionHub.Core.Annotations.Anchoring;

namespace ConstitutionHub.Core.Tests.Annotations;

/// <summary>The re-anchoring steps one at a time, on hand-made sections.</summary>
public sealed class ReanchoringTests
{
    private static AnchorDocument Doc(params (string Id, string Text)[] sections) =>
        new(sections.Select(s => new SectionText(s.Id, s.Id, s.Text)).ToArray());

    private static TextAnchor AnchorOn(AnchorDocument doc, string id, string exact) =>
        TextAnchor.Find(doc[id]!, exact, 0) ?? throw new InvalidOperationException($"'{exact}' is not in {id}");

    [Fact]
    public void Given_an_edit_before_the_quote_When_reanchored_Then_the_diff_shifts_it_by_the_length_change()
    {
        var old = Doc(("a", "Be kind. Tell the truth."));
        var @new = Doc(("a", "Always be kind and fair. Tell the truth."));
        var result = Reanchoring.All(old, @new, [AnchorOn(old, "a", "Tell the truth")]).Single();
        Assert.Equal((AnchorOutcome.Shifted, AnchorMethod.Diff), (result.Outcome, result.Method));
        Assert.Equal(25, result.Anchor!.Start);
        Assert.Equal("Tell the truth", result.Anchor.Exact);
    }

    [Fact]
    public void Given_the_quote_deleted_and_the_same_short_words_elsewhere_in_other_context_When_reanchored_Then_it_is_an_orphan()
    {
        var old = Doc(("a", "When unsure, say so. Be brief."), ("b", "Rules."));
        var @new = Doc(("a", "Be brief."), ("b", "Rules: if asked twice, say so again."));
        var result = Reanchoring.All(old, @new, [AnchorOn(old, "a", "say so")]).Single();
        Assert.True(result.IsOrphan);
        Assert.Equal(AnchorMethod.None, result.Method);
    }

    [Fact]
    public void Given_a_paragraph_moved_to_another_section_When_reanchored_Then_the_quote_follows_it_by_its_context()
    {
        var old = Doc(("a", "Intro. You ask a clarifying question when a request is ambiguous. End."), ("b", "Other."));
        var @new = Doc(("a", "Intro. End."), ("b", "Other. You ask a clarifying question when a request is ambiguous."));
        var result = Reanchoring.All(old, @new, [AnchorOn(old, "a", "clarifying question")]).Single();
        Assert.Equal((AnchorOutcome.Moved, AnchorMethod.Quote, "b"), (result.Outcome, result.Method, result.Anchor!.SectionId));
    }

    [Fact]
    public void Given_one_word_of_a_long_quote_reworded_When_reanchored_Then_the_fuzzy_step_follows_the_new_wording()
    {
        var old = Doc(("a", "Start. You respect the person's choices on matters that are theirs to decide. Stop."));
        var @new = Doc(("a", "Start. You respect the person's decisions on matters that are theirs to decide. Stop."));
        var result = Reanchoring.All(old, @new, [AnchorOn(old, "a", "You respect the person's choices on matters that are theirs to decide")]).Single();
        Assert.Equal((AnchorOutcome.Changed, AnchorMethod.Fuzzy), (result.Outcome, result.Method));
        Assert.Equal("You respect the person's decisions on matters that are theirs to decide", result.Anchor!.Exact);
    }

    [Fact]
    public void The_reading_text_is_what_a_reader_sees_without_Markdown_marks()
    {
        Assert.Equal("Style Answer **first**, then add context & a link.",
            ReadingText.Of("## Style\n\nAnswer \\*\\*first\\*\\*,\nthen *add* [context](https://example.org) &amp; a `link`.\n"));
    }
}
