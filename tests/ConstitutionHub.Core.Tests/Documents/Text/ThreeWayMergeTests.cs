using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Tests.Documents.Text;

public sealed class ThreeWayMergeTests
{
    /// <summary>The sample with a final line break, so any section can be moved anywhere.</summary>
    private static readonly string Base = Samples.Constitution + "\n";

    private static string Edit(string text, string line, params string[] replacement) => Samples.ReplaceLine(text, line, replacement);

    private static string Sections(string document, params string[] headings)
    {
        var sections = SectionParser.Parse(document);
        return string.Concat(headings.Select(h => sections.Single(s => s.Heading == h).Text));
    }

    private const string HonestyLine1 = "Aster tells the truth as far as it knows it. When it is unsure, it says so and";
    private const string HonestyLine4 = "when it notices a mistake in something it said earlier.";
    private const string PrivacyLine1 = "Aster does not ask for personal details it does not need. It never repeats what one";

    [Fact]
    public void Given_edits_to_different_sections_When_merged_Then_the_result_is_clean_and_has_both()
    {
        var mine = Edit(Base, HonestyLine1, "Aster tells the truth. When it is unsure, it says so and");
        var theirs = Edit(Base, PrivacyLine1, "Aster asks for no personal details beyond what it needs. It never repeats what one");

        var result = ThreeWayMerge.Merge(Base, mine, theirs);

        Assert.True(result.IsClean);
        Assert.Empty(result.Conflicts);
        Assert.Equal(Edit(mine, PrivacyLine1, "Aster asks for no personal details beyond what it needs. It never repeats what one"), result.Merged);
    }

    [Fact]
    public void Given_edits_to_separate_lines_of_one_section_When_merged_Then_diff3_combines_them()
    {
        var mine = Edit(Base, HonestyLine1, "Aster tells the truth. When it is unsure, it says so and");
        var theirs = Edit(Base, HonestyLine4, "as soon as it notices a mistake in something it said earlier.");

        var result = ThreeWayMerge.Merge(Base, mine, theirs);

        Assert.True(result.IsClean);
        Assert.Equal(Edit(mine, HonestyLine4, "as soon as it notices a mistake in something it said earlier."), result.Merged);
    }

    [Fact]
    public void Given_different_edits_to_the_same_line_When_merged_Then_the_section_conflicts_and_falls_back_to_theirs()
    {
        var mine = Edit(Edit(Base, HonestyLine1, "Aster tells the whole truth. When unsure, it says so and"),
            HonestyLine4, "whenever it notices a mistake in something it said earlier.");
        var theirs = Edit(Base, HonestyLine1, "Aster is truthful as far as it knows. When it is unsure, it says so and");

        var result = ThreeWayMerge.Merge(Base, mine, theirs);

        Assert.False(result.IsClean);
        var conflict = Assert.Single(result.Conflicts);
        Assert.Equal("honesty", conflict.SectionKey);
        Assert.Equal("Honesty", conflict.Heading);
        Assert.Equal(Samples.SectionText(Base, "Honesty"), conflict.Base);
        Assert.Equal(Samples.SectionText(mine, "Honesty"), conflict.Mine);
        Assert.Equal(Samples.SectionText(theirs, "Honesty"), conflict.Theirs);
        // Fallback: theirs on the overlapping line, mine's separate edit kept.
        Assert.Equal(Edit(theirs, HonestyLine4, "whenever it notices a mistake in something it said earlier."), result.Merged);
        Assert.Contains(
            "<<<<<<< mine\nAster tells the whole truth. When unsure, it says so and\n=======\n" +
            "Aster is truthful as far as it knows. When it is unsure, it says so and\n>>>>>>> theirs\n", conflict.WithMarkers);
        Assert.EndsWith("whenever it notices a mistake in something it said earlier.\n\n", conflict.WithMarkers);
    }

    [Fact]
    public void Given_edits_to_adjacent_lines_When_merged_Then_they_conflict_because_their_order_is_ambiguous()
    {
        var mine = Edit(Base, "explains what would settle the question.", "explains what evidence would settle the question.");
        var theirs = Edit(Base, "It never invents sources, quotations or numbers, and it corrects itself openly",
            "It never invents sources, quotations or statistics, and it corrects itself openly");

        var result = ThreeWayMerge.Merge(Base, mine, theirs);

        Assert.Equal("honesty", Assert.Single(result.Conflicts).SectionKey);
    }

    [Fact]
    public void Given_the_same_edit_on_both_sides_When_merged_Then_it_is_taken_once()
    {
        var edited = Edit(Base, HonestyLine1, "Aster tells the truth. When it is unsure, it says so and");
        var theirs = Edit(edited, PrivacyLine1, "Aster asks for nothing personal. It never repeats what one");

        var result = ThreeWayMerge.Merge(Base, edited, theirs);

        Assert.True(result.IsClean);
        Assert.Equal(theirs, result.Merged);
    }

    [Fact]
    public void Given_a_section_removed_on_one_side_and_untouched_on_the_other_When_merged_Then_it_is_removed()
    {
        var mine = Sections(Base, "Aster: a constitution", "Honesty", "Agreeableness", "Humour", "Examples", "Tone");
        var theirs = Edit(Base, HonestyLine1, "Aster tells the truth. When it is unsure, it says so and");

        var result = ThreeWayMerge.Merge(Base, mine, theirs);

        Assert.True(result.IsClean);
        Assert.Equal(Sections(theirs, "Aster: a constitution", "Honesty", "Agreeableness", "Humour", "Examples", "Tone"), result.Merged);
    }

    [Fact]
    public void Given_a_section_removed_in_mine_and_modified_in_theirs_When_merged_Then_it_conflicts_and_theirs_is_kept()
    {
        var mine = Sections(Base, "Aster: a constitution", "Honesty", "Agreeableness", "Humour", "Examples", "Tone");
        var theirs = Edit(Base, PrivacyLine1, "Aster asks for nothing personal. It never repeats what one");

        var result = ThreeWayMerge.Merge(Base, mine, theirs);

        var conflict = Assert.Single(result.Conflicts);
        Assert.Null(conflict.Mine);
        Assert.Equal(Samples.SectionText(theirs, "Privacy"), conflict.Theirs);
        Assert.Null(conflict.WithMarkers);
        Assert.Equal(theirs, result.Merged);
        Assert.Equal(mine, ThreeWayMerge.Resolve(result, new Dictionary<string, string> { ["privacy"] = "" }));
    }

    [Fact]
    public void Given_a_section_modified_in_mine_and_removed_in_theirs_When_resolved_with_mine_Then_it_returns_to_its_place()
    {
        var mine = Edit(Base, PrivacyLine1, "Aster asks for nothing personal. It never repeats what one");
        var theirs = Sections(Base, "Aster: a constitution", "Honesty", "Agreeableness", "Humour", "Examples", "Tone");

        var result = ThreeWayMerge.Merge(Base, mine, theirs);

        var conflict = Assert.Single(result.Conflicts);
        Assert.Null(conflict.Theirs);
        Assert.Equal(theirs, result.Merged);
        Assert.Equal(mine, ThreeWayMerge.Resolve(result, new Dictionary<string, string> { [conflict.SectionKey] = conflict.Mine! }));
    }

    [Fact]
    public void Given_a_new_section_in_mine_and_reordering_in_theirs_When_merged_Then_it_follows_its_predecessor()
    {
        const string curiosity = "## Curiosity\n\nAster asks one good question rather than three vague ones.\n\n";
        var mine = Edit(Base, "## Privacy", "## Curiosity", "", "Aster asks one good question rather than three vague ones.", "", "## Privacy");
        var theirs = Sections(Base, "Aster: a constitution", "Privacy", "Tone", "Honesty", "Agreeableness", "Humour", "Examples");

        var result = ThreeWayMerge.Merge(Base, mine, theirs);

        Assert.True(result.IsClean);
        Assert.Equal(Sections(Base, "Aster: a constitution", "Privacy", "Tone", "Honesty", "Agreeableness", "Humour", "Examples") + curiosity,
            result.Merged);
    }

    [Fact]
    public void Given_both_sides_reordered_When_merged_Then_the_order_follows_theirs()
    {
        var mine = Sections(Base, "Aster: a constitution", "Tone", "Honesty", "Agreeableness", "Humour", "Examples", "Privacy");
        var theirs = Sections(Base, "Aster: a constitution", "Honesty", "Privacy", "Agreeableness", "Humour", "Examples", "Tone");

        Assert.Equal(theirs, ThreeWayMerge.Merge(Base, mine, theirs).Merged);
    }

    [Fact]
    public void Given_mine_reordered_and_theirs_edited_When_merged_Then_mine_order_and_theirs_edit_both_survive()
    {
        var mine = Sections(Base, "Aster: a constitution", "Tone", "Honesty", "Agreeableness", "Humour", "Examples", "Privacy");
        var theirs = Edit(Base, HonestyLine1, "Aster tells the truth. When it is unsure, it says so and");

        var result = ThreeWayMerge.Merge(Base, mine, theirs);

        Assert.True(result.IsClean);
        Assert.Equal(Sections(theirs, "Aster: a constitution", "Tone", "Honesty", "Agreeableness", "Humour", "Examples", "Privacy"), result.Merged);
    }

    [Fact]
    public void Given_a_heading_renamed_in_mine_and_its_body_edited_in_theirs_When_merged_Then_both_changes_apply()
    {
        var mine = Edit(Base, "## Honesty", "## Truthfulness");
        var theirs = Edit(Base, HonestyLine4, "as soon as it notices a mistake in something it said earlier.");

        var result = ThreeWayMerge.Merge(Base, mine, theirs);

        Assert.True(result.IsClean);
        Assert.Equal(Edit(mine, HonestyLine4, "as soon as it notices a mistake in something it said earlier."), result.Merged);
    }

    [Fact]
    public void Given_the_same_new_section_added_on_both_sides_When_merged_Then_it_appears_once()
    {
        var added = Base + "## Curiosity\n\nAster asks one good question.\n";
        var theirs = Edit(added, HonestyLine1, "Aster tells the truth. When it is unsure, it says so and");

        var result = ThreeWayMerge.Merge(Base, added, theirs);

        Assert.True(result.IsClean);
        Assert.Equal(theirs, result.Merged);
    }

    [Fact]
    public void Given_a_section_with_the_same_heading_added_differently_on_both_sides_When_merged_Then_it_conflicts_without_a_base()
    {
        var mine = Base + "## Curiosity\n\nAster asks one good question.\n";
        var theirs = Base + "## Curiosity\n\nAster wonders aloud about the reader's topic.\n";

        var result = ThreeWayMerge.Merge(Base, mine, theirs);

        var conflict = Assert.Single(result.Conflicts);
        Assert.Null(conflict.Base);
        Assert.Equal("curiosity", conflict.SectionKey);
        Assert.Equal(theirs, result.Merged);
        Assert.Equal(mine, ThreeWayMerge.Resolve(result, new Dictionary<string, string> { ["curiosity"] = conflict.Mine! }));
    }

    [Fact]
    public void Given_two_conflicts_with_the_same_heading_When_merged_Then_their_keys_are_unique()
    {
        const string @base = "## Example\nOne.\n\n## Example\nTwo, a different body entirely here.\n";
        const string mine = "## Example\nOne, mine.\n\n## Example\nTwo, a different body entirely here, mine.\n";
        const string theirs = "## Example\nOne, theirs.\n\n## Example\nTwo, a different body entirely here, theirs.\n";

        var result = ThreeWayMerge.Merge(@base, mine, theirs);

        Assert.Equal(["example", "example-2"], result.Conflicts.Select(c => c.SectionKey));
        Assert.Equal("## Example\nFirst.\n\n## Example\nSecond.\n", ThreeWayMerge.Resolve(result,
            new Dictionary<string, string> { ["example"] = "## Example\nFirst.\n\n", ["example-2"] = "## Example\nSecond." }));
    }

    [Fact]
    public void Given_a_conflicted_result_When_resolved_with_a_missing_or_unknown_key_Then_an_argument_exception_names_them()
    {
        var result = ThreeWayMerge.Merge(Base,
            Edit(Base, HonestyLine1, "mine"), Edit(Base, HonestyLine1, "theirs"));

        var missing = Assert.Throws<ArgumentException>(() => ThreeWayMerge.Resolve(result, new Dictionary<string, string>()));
        var unknown = Assert.Throws<ArgumentException>(() => ThreeWayMerge.Resolve(result,
            new Dictionary<string, string> { ["honesty"] = "", ["humour"] = "" }));

        Assert.Contains("no text chosen for conflict(s) 'honesty'", missing.Message);
        Assert.Contains("no conflict has key(s) 'humour'", unknown.Message);
    }

    [Fact]
    public void Given_crlf_inputs_When_merged_Then_the_result_uses_lf()
    {
        var mine = Edit(Base, HonestyLine1, "Aster tells the truth. When it is unsure, it says so and");

        var result = ThreeWayMerge.Merge(Base.Replace("\n", "\r\n"), mine.Replace("\n", "\r\n"), Base.Replace("\n", "\r\n"));

        Assert.Equal(mine, result.Merged);
    }

    // Property-style checks over randomly edited revisions (fixed seeds, so every run checks the same cases).

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (var seed = 1; seed <= 60; seed++) data.Add(seed);
        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Given_mine_equal_to_base_When_merged_Then_the_result_is_theirs(int seed)
    {
        var theirs = RandomEdits.Apply(Base, seed);

        var result = ThreeWayMerge.Merge(Base, Base, theirs);

        Assert.True(result.IsClean);
        Assert.Equal(theirs, result.Merged);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Given_theirs_equal_to_base_When_merged_Then_the_result_is_mine(int seed)
    {
        var mine = RandomEdits.Apply(Base, seed);

        var result = ThreeWayMerge.Merge(Base, mine, Base);

        Assert.True(result.IsClean);
        Assert.Equal(mine, result.Merged);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Given_both_sides_equal_When_merged_Then_the_result_is_that_text(int seed)
    {
        var both = RandomEdits.Apply(Base, seed);

        var result = ThreeWayMerge.Merge(Base, both, both);

        Assert.True(result.IsClean);
        Assert.Equal(both, result.Merged);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Given_independent_random_edits_When_merged_and_resolved_with_mine_Then_every_conflict_takes_mine(int seed)
    {
        var mine = RandomEdits.Apply(Base, seed);
        var theirs = RandomEdits.Apply(Base, seed + 1000);

        var result = ThreeWayMerge.Merge(Base, mine, theirs);
        var resolved = ThreeWayMerge.Resolve(result, result.Conflicts.ToDictionary(c => c.SectionKey, c => c.Mine ?? ""));

        Assert.Equal(result.IsClean, result.Conflicts.Count == 0);
        foreach (var conflict in result.Conflicts.Where(c => c.Mine is not null)) Assert.Contains(conflict.Mine!, resolved);
        if (result.IsClean) Assert.Equal(result.Merged, resolved);
    }
}

/// <summary>Random section-level edits of a document: edit, append, rename, delete, insert, move.</summary>
internal static class RandomEdits
{
    public static string Apply(string document, int seed)
    {
        var random = new Random(seed);
        var sections = SectionParser.Parse(document).Select(s => s.Text).ToList();
        var operations = random.Next(1, 5);
        for (var op = 0; op < operations && sections.Count > 1; op++)
        {
            var index = random.Next(sections.Count);
            var lines = sections[index].TrimEnd('\n').Split('\n').ToList();
            switch (random.Next(6))
            {
                case 0: // edit a body line
                    var line = lines.Count > 1 ? random.Next(1, lines.Count) : 0;
                    if (line > 0) lines[line] = $"Edited line {seed}-{op}, written for the test.";
                    sections[index] = string.Join('\n', lines) + "\n\n";
                    break;
                case 1: // append a paragraph
                    sections[index] = sections[index].TrimEnd('\n') + $"\n\nAdded paragraph {seed}-{op}.\n\n";
                    break;
                case 2: // rename the heading
                    if (lines[0].StartsWith('#')) lines[0] += $" revised {seed}-{op}";
                    sections[index] = string.Join('\n', lines) + "\n\n";
                    break;
                case 3:
                    sections.RemoveAt(index);
                    break;
                case 4:
                    sections.Insert(index, $"## New section {seed}-{op}\n\nA brand new rule number {seed} {op} for the test.\n\n");
                    break;
                default: // move
                    var moved = sections[index];
                    sections.RemoveAt(index);
                    sections.Insert(random.Next(sections.Count + 1), moved);
                    break;
            }
        }
        return string.Concat(sections);
    }
}
