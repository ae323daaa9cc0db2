using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Tests.Documents.Text;

public sealed class SectionParserTests
{
    [Fact]
    public void Given_atx_and_setext_headings_When_parsed_Then_each_starts_a_section_with_its_level()
    {
        var sections = SectionParser.Parse("# One\ntext\n\nTwo\n===\nmore\n\nThree\n---\n###### Six ######\n");

        Assert.Equal(["One", "Two", "Three", "Six"], sections.Select(s => s.Heading));
        Assert.Equal([1, 1, 2, 6], sections.Select(s => s.Level));
        Assert.Equal([0, 3, 7, 9], sections.Select(s => s.StartLine));
        Assert.Equal([3, 7, 9, 10], sections.Select(s => s.EndLine));
        Assert.Equal("Two\n===\nmore\n\n", sections[1].Text);
        Assert.Equal("more\n\n", sections[1].Body);
    }

    [Fact]
    public void Given_text_before_the_first_heading_When_parsed_Then_it_is_a_preamble_with_empty_heading_and_level_zero()
    {
        var sections = SectionParser.Parse("Intro line.\n\n# Title\nBody.\n");

        Assert.Equal("", sections[0].Heading);
        Assert.Equal(0, sections[0].Level);
        Assert.True(sections[0].IsPreamble);
        Assert.Equal("Intro line.\n\n", sections[0].Text);
        Assert.Equal("Title", sections[1].Heading);
    }

    [Fact]
    public void Given_a_paragraph_directly_above_a_setext_underline_When_parsed_Then_both_lines_form_one_heading()
    {
        var section = Assert.Single(SectionParser.Parse("first line\nsecond line\n===\nbody\n"));

        Assert.Equal("first line second line", section.Heading);
        Assert.Equal(0, section.StartLine);
        Assert.Equal("body\n", section.Body);
    }

    [Fact]
    public void Given_a_document_starting_with_a_heading_When_parsed_Then_there_is_no_preamble()
    {
        Assert.Equal("Aster: a constitution", SectionParser.Parse(Samples.Constitution)[0].Heading);
    }

    [Fact]
    public void Given_the_sample_constitution_When_its_sections_are_concatenated_Then_the_document_comes_back_exactly()
    {
        var sections = SectionParser.Parse(Samples.Constitution);

        Assert.Equal(Samples.Constitution, string.Concat(sections.Select(s => s.Text)));
        Assert.Equal(["Aster: a constitution", "Honesty", "Agreeableness", "Humour", "Examples", "Privacy", "Tone"],
            sections.Select(s => s.Heading));
        Assert.Equal([1, 2, 2, 2, 3, 2, 2], sections.Select(s => s.Level));
        Assert.All(sections.Zip(sections.Skip(1)), pair => Assert.Equal(pair.First.EndLine, pair.Second.StartLine));
    }

    [Fact]
    public void Given_heading_lines_inside_code_quotes_lists_and_variant_blocks_When_parsed_Then_they_do_not_start_sections()
    {
        const string markdown = """
            # Real
            ```
            # in code
            ```
            > # in quote

            - # in list

            :::variant default
            ## in variant
            :::
            """;

        var section = Assert.Single(SectionParser.Parse(markdown));
        Assert.Equal("Real", section.Heading);
    }

    [Fact]
    public void Given_variant_blocks_When_parsed_Then_each_section_lists_its_valid_variant_names_in_order()
    {
        var sections = SectionParser.Parse(Samples.Constitution);

        Assert.Equal(["default", "lower", "higher"], sections.Single(s => s.Heading == "Agreeableness").VariantNames);
        Assert.Equal(["formal", "casual"], sections.Single(s => s.Heading == "Tone").VariantNames);
        Assert.Equal("formal", sections.Single(s => s.Heading == "Tone").DefaultVariant);
        Assert.Empty(sections.Single(s => s.Heading == "Honesty").VariantNames);
        Assert.Null(sections.Single(s => s.Heading == "Honesty").DefaultVariant);
    }

    [Fact]
    public void Given_emphasis_code_and_links_in_a_heading_When_parsed_Then_the_heading_is_plain_text()
    {
        var section = Assert.Single(SectionParser.Parse("## The **core**  `rules` of [Aster](https://example.org) ##\n"));

        Assert.Equal("The core rules of Aster", section.Heading);
    }

    [Fact]
    public void Given_an_empty_document_When_parsed_Then_there_are_no_sections()
    {
        Assert.Empty(SectionParser.Parse(""));
    }

    [Fact]
    public void Given_crlf_line_endings_When_parsed_Then_sections_use_lf_and_the_same_lines()
    {
        var lf = SectionParser.Parse(Samples.Constitution);
        var crlf = SectionParser.Parse(Samples.Constitution.Replace("\n", "\r\n"));

        Assert.Equal(lf.Select(s => (s.Heading, s.StartLine, s.EndLine, s.Text)), crlf.Select(s => (s.Heading, s.StartLine, s.EndLine, s.Text)));
    }
}
