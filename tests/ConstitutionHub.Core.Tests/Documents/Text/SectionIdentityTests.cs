using System.Security.Cryptography;
using System.Text;
using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Tests.Documents.Text;

public sealed class SectionIdentityTests
{
    private int next;

    private string NewId() => $"s{++next}";

    private IReadOnlyList<SectionInfo> Assign(IReadOnlyList<SectionInfo> previous, string markdown) =>
        SectionIdentity.Assign(previous, SectionParser.Parse(markdown), NewId);

    private static string IdOf(IReadOnlyList<SectionInfo> sections, string heading) => sections.Single(s => s.Heading == heading).Id;

    /// <summary>Rebuilds a document from its sections in the given heading order (the sample's last section has no final line break).</summary>
    private static string Reorder(string markdown, params string[] headings)
    {
        var sections = SectionParser.Parse(markdown);
        return string.Concat(headings.Select(h => sections.Single(s => s.Heading == h).Text).Select(t => t.EndsWith('\n') ? t : t + "\n\n"));
    }

    private static string Words(int from, int count) =>
        string.Join(' ', Enumerable.Range(from, count).Select(i => $"word{i}"));

    [Fact]
    public void Given_a_first_revision_When_ids_are_assigned_Then_every_section_gets_a_new_id_in_document_order()
    {
        var sections = Assign([], Samples.Constitution);

        Assert.Equal(["s1", "s2", "s3", "s4", "s5", "s6", "s7"], sections.Select(s => s.Id));
        Assert.Equal(Enumerable.Range(0, 7), sections.Select(s => s.Ordinal));
        Assert.Equal(["default", "lower", "higher"], sections[2].VariantNames);
        Assert.Equal("default", sections[2].DefaultVariant);
        Assert.All(sections, s => Assert.StartsWith("v1.", s.Fingerprint));
    }

    [Fact]
    public void Given_a_section_When_ids_are_assigned_Then_its_content_hash_is_the_sha256_of_its_text()
    {
        var section = Assign([], Samples.Constitution)[1];

        var text = SectionParser.Parse(Samples.Constitution)[1].Text;
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), section.ContentHash);
    }

    [Fact]
    public void Given_reordered_sections_When_ids_are_assigned_Then_each_section_keeps_its_id()
    {
        var first = Assign([], Samples.Constitution);
        var reordered = Reorder(Samples.Constitution, "Aster: a constitution", "Privacy", "Tone", "Honesty", "Humour", "Examples", "Agreeableness");

        var second = Assign(first, reordered);

        foreach (var heading in first.Select(s => s.Heading)) Assert.Equal(IdOf(first, heading), IdOf(second, heading));
        Assert.Equal(1, second.Single(s => s.Heading == "Privacy").Ordinal);
        Assert.Equal(7, next);
    }

    [Fact]
    public void Given_a_renamed_heading_with_the_same_body_When_ids_are_assigned_Then_the_id_is_kept()
    {
        var first = Assign([], Samples.Constitution);

        var second = Assign(first, Samples.ReplaceLine(Samples.Constitution, "## Honesty", "## Truthfulness"));

        Assert.Equal(IdOf(first, "Honesty"), IdOf(second, "Truthfulness"));
        Assert.Equal(7, next);
    }

    [Fact]
    public void Given_a_renamed_heading_with_a_partly_rewritten_body_When_ids_are_assigned_Then_the_id_is_kept()
    {
        // 100 words, the last 20 replaced: Jaccard about 0.7, but neither body is 80% inside the other,
        // so only the similarity pass can pair them.
        var first = Assign([], $"## Intro\nShort.\n\n## Conduct\n{Words(0, 100)}\n");

        var second = Assign(first, $"## Intro\nShort.\n\n## Behaviour\n{Words(0, 80)} {Words(500, 20)}\n");

        Assert.Equal(first.Select(s => s.Id), second.Select(s => s.Id));
    }

    [Fact]
    public void Given_a_heading_only_section_promoted_and_moved_When_ids_are_assigned_Then_the_same_heading_keeps_the_id()
    {
        var first = Assign([], $"## Alpha\n{Words(0, 30)}\n\n### Notes\n\n## Beta\n{Words(100, 30)}\n");

        var second = Assign(first, $"## Alpha\n{Words(0, 30)}\n\n## Beta\n{Words(100, 30)}\n\n## Notes\n");

        Assert.Equal([first[0].Id, first[2].Id, first[1].Id], second.Select(s => s.Id));
    }

    [Fact]
    public void Given_a_section_renamed_and_moved_When_ids_are_assigned_Then_the_id_follows_the_body()
    {
        var first = Assign([], Samples.Constitution);
        var moved = Reorder(Samples.Constitution, "Aster: a constitution", "Agreeableness", "Humour", "Examples", "Privacy", "Tone", "Honesty");

        var second = Assign(first, Samples.ReplaceLine(moved, "## Honesty", "## Telling the truth"));

        Assert.Equal(IdOf(first, "Honesty"), IdOf(second, "Telling the truth"));
    }

    [Fact]
    public void Given_a_rewritten_body_under_the_same_heading_When_ids_are_assigned_Then_the_id_is_kept()
    {
        var first = Assign([], Samples.Constitution);
        var edited = Samples.ReplaceLine(Samples.Constitution,
            "Aster does not ask for personal details it does not need. It never repeats what one",
            "Completely different wording about data:", "nothing is stored between conversations.");

        var second = Assign(first, edited);

        Assert.Equal(IdOf(first, "Privacy"), IdOf(second, "Privacy"));
        Assert.NotEqual(first.Single(s => s.Heading == "Privacy").ContentHash, second.Single(s => s.Heading == "Privacy").ContentHash);
    }

    [Fact]
    public void Given_a_new_section_When_ids_are_assigned_Then_only_it_gets_a_new_id()
    {
        var first = Assign([], Samples.Constitution);
        var added = Samples.ReplaceLine(Samples.Constitution, "## Privacy",
            "## Curiosity", "", "Aster asks one good question rather than three vague ones.", "", "## Privacy");

        var second = Assign(first, added);

        Assert.Equal("s8", IdOf(second, "Curiosity"));
        Assert.Equal(first.Select(s => s.Id).Order(), second.Where(s => s.Heading != "Curiosity").Select(s => s.Id).Order());
    }

    [Fact]
    public void Given_a_deleted_section_When_ids_are_assigned_Then_its_id_is_gone_and_the_others_stay()
    {
        var first = Assign([], Samples.Constitution);
        var without = Reorder(Samples.Constitution, "Aster: a constitution", "Honesty", "Agreeableness", "Humour", "Examples", "Tone");

        var second = Assign(first, without);

        Assert.DoesNotContain(IdOf(first, "Privacy"), second.Select(s => s.Id));
        Assert.Equal(first.Where(s => s.Heading != "Privacy").Select(s => s.Id), second.Select(s => s.Id));
        Assert.Equal(7, next);
    }

    [Fact]
    public void Given_two_sections_with_the_same_heading_swapped_and_edited_When_ids_are_assigned_Then_ids_follow_their_bodies()
    {
        const string before = """
            ## Example
            A reader asks for a book about grief; Aster suggests three titles and asks nothing personal.

            ## Example
            A reader is rude; Aster stays polite, answers the question, and does not lecture them at all.

            """;
        const string after = """
            ## Example
            A reader is rude; Aster stays polite, answers the question, and does not lecture them.

            ## Example
            A reader asks for a book about grief; Aster suggests three titles and asks nothing personal.

            """;
        var first = Assign([], before);

        var second = Assign(first, after);

        Assert.Equal([first[1].Id, first[0].Id], second.Select(s => s.Id));
    }

    [Fact]
    public void Given_two_identical_sections_When_ids_are_assigned_twice_Then_they_keep_their_positions_deterministically()
    {
        const string document = "## Note\nSame.\n\n## Note\nSame.\n";
        var first = Assign([], document);

        var second = Assign(first, document);
        var third = Assign(first, document);

        Assert.Equal(first.Select(s => s.Id), second.Select(s => s.Id));
        Assert.Equal(second.Select(s => s.Id), third.Select(s => s.Id));
    }

    [Fact]
    public void Given_a_section_split_into_three_When_ids_are_assigned_Then_the_largest_part_keeps_the_id()
    {
        var original = $"## Conduct\n{Words(0, 100)}\n";
        var split = $"## Speech\n{Words(0, 40)}\n\n## Listening\n{Words(40, 30)}\n\n## Silence\n{Words(70, 30)}\n";
        var first = Assign([], original);

        var second = Assign(first, split);

        Assert.Equal([first[0].Id, "s2", "s3"], second.Select(s => s.Id));
    }

    [Fact]
    public void Given_two_sections_merged_into_one_When_ids_are_assigned_Then_it_keeps_the_id_of_the_larger()
    {
        var first = Assign([], $"## Speech\n{Words(0, 30)}\n\n## Listening\n{Words(30, 60)}\n");

        var second = Assign(first, $"## Conversation\n{Words(0, 90)}\n");

        Assert.Equal(first[1].Id, Assert.Single(second).Id);
    }

    [Fact]
    public void Given_a_heading_level_change_When_ids_are_assigned_Then_the_id_is_kept()
    {
        var first = Assign([], Samples.Constitution);

        var second = Assign(first, Samples.ReplaceLine(Samples.Constitution, "### Examples", "## Examples"));

        Assert.Equal(IdOf(first, "Examples"), IdOf(second, "Examples"));
        Assert.Equal(2, second.Single(s => s.Heading == "Examples").Level);
    }

    [Fact]
    public void Given_a_heading_only_section_renamed_in_place_When_ids_are_assigned_Then_the_id_is_kept()
    {
        var before = "# Part One\n\n" + Samples.SectionText(Samples.Constitution, "Honesty") + "# Part Two\n\n" + Samples.SectionText(Samples.Constitution, "Privacy");
        var first = Assign([], before);

        var second = Assign(first, before.Replace("# Part One", "# Character").Replace("# Part Two", "# Limits"));

        Assert.Equal(first.Select(s => s.Id), second.Select(s => s.Id));
    }

    [Fact]
    public void Given_a_section_renamed_and_rewritten_When_ids_are_assigned_Then_it_is_a_new_section()
    {
        var first = Assign([], Samples.Constitution);
        var replaced = Samples.ReplaceLine(Reorder(Samples.Constitution, "Aster: a constitution", "Honesty", "Agreeableness", "Humour", "Examples", "Tone"),
            "## Tone", "## Sources", "", "Aster names the catalogue record it relies on whenever it recommends a book.", "", "## Tone");

        var second = Assign(first, replaced);

        Assert.Equal("s8", IdOf(second, "Sources"));
        Assert.DoesNotContain(IdOf(first, "Privacy"), second.Select(s => s.Id));
    }

    [Fact]
    public void Given_three_revisions_When_ids_are_assigned_each_time_Then_the_stored_fingerprints_carry_a_rename_through()
    {
        var first = Assign([], Samples.Constitution);
        var second = Assign(first, Reorder(Samples.Constitution, "Aster: a constitution", "Tone", "Honesty", "Agreeableness", "Humour", "Examples", "Privacy"));

        var third = Assign(second, Samples.ReplaceLine(Samples.Constitution, "## Humour", "## Playfulness"));

        Assert.Equal(IdOf(first, "Humour"), IdOf(third, "Playfulness"));
        Assert.Equal(first.Select(s => s.Id), third.Select(s => s.Id));
    }

    [Fact]
    public void Given_previous_sections_without_fingerprints_When_ids_are_assigned_Then_headings_still_match_but_renames_do_not()
    {
        var first = Assign([], Samples.Constitution).Select(s => s with { Fingerprint = "" }).ToList();

        var second = Assign(first, Samples.ReplaceLine(Samples.Constitution, "## Honesty", "## Truthfulness"));

        Assert.Equal(IdOf(first, "Privacy"), IdOf(second, "Privacy"));
        Assert.Equal("s8", IdOf(second, "Truthfulness"));
    }

    [Fact]
    public void Given_duplicate_previous_ids_When_ids_are_assigned_Then_an_argument_exception_names_the_id()
    {
        var first = Assign([], Samples.Constitution).Select(s => s with { Id = "same" }).ToList();

        var error = Assert.Throws<ArgumentException>(() => Assign(first, Samples.Constitution));

        Assert.Contains("'same' twice", error.Message);
    }

    [Fact]
    public void Given_a_new_id_function_that_repeats_an_id_When_ids_are_assigned_Then_an_argument_exception_names_it()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            SectionIdentity.Assign([], SectionParser.Parse(Samples.Constitution), () => "fixed"));

        Assert.Contains("'fixed', which is already used", error.Message);
    }
}
