using System.Security.Cryptography;
using System.Text;
using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Tests.Documents.Text;

public sealed class PromptCompilerTests
{
    private const string Small = """
        Preamble line.

        ## A
        Common before.

        :::variant default
        A default.
        :::

        :::variant alt
        A alt
        with two lines.
        :::

        Common after.

        ## B
        B text.
        """;

    private static IReadOnlyList<SectionInfo> Ids(string markdown)
    {
        var next = 0;
        return SectionIdentity.Assign([], SectionParser.Parse(markdown), () => $"id{next++}");
    }

    private static CompiledPrompt Compile(string markdown, params (string Id, string Choice)[] choices) =>
        PromptCompiler.Compile(markdown, Ids(markdown), new Recipe(choices.ToDictionary(c => c.Id, c => c.Choice)));

    [Fact]
    public void Given_no_choices_When_compiled_Then_default_variants_are_inlined_without_fences_and_the_others_dropped()
    {
        var prompt = Compile(Small);

        Assert.Equal("Preamble line.\n\n## A\nCommon before.\n\nA default.\n\nCommon after.\n\n## B\nB text.\n", prompt.Text);
    }

    [Fact]
    public void Given_a_chosen_variant_and_an_omitted_section_When_compiled_Then_the_prompt_has_that_variant_and_lacks_the_section()
    {
        var prompt = Compile(Small, ("id1", "alt"), ("id2", "-"));

        Assert.Equal("Preamble line.\n\n## A\nCommon before.\n\nA alt\nwith two lines.\n\nCommon after.\n", prompt.Text);
        Assert.Equal([new RecipeChoice("id0", "", null), new RecipeChoice("id1", "A", "alt"), new RecipeChoice("id2", "B", "-")],
            prompt.Choices);
        Assert.True(prompt.Choices[2].IsOmitted);
    }

    [Fact]
    public void Given_a_section_in_the_middle_omitted_When_compiled_Then_no_doubled_blank_line_remains()
    {
        var prompt = Compile(Small, ("id1", "-"));

        Assert.Equal("Preamble line.\n\n## B\nB text.\n", prompt.Text);
    }

    [Fact]
    public void Given_the_sample_constitution_and_a_recipe_When_compiled_Then_each_section_uses_its_choice()
    {
        var sections = Ids(Samples.Constitution);
        string Id(string heading) => sections.Single(s => s.Heading == heading).Id;
        var recipe = new Recipe(new Dictionary<string, string>
        {
            [Id("Agreeableness")] = "lower",
            [Id("Tone")] = "casual",
            [Id("Examples")] = "-",
        });

        var prompt = PromptCompiler.Compile(Samples.Constitution, sections, recipe);

        Assert.Contains("disagreeing with them.\n\nAster is direct. It states disagreement first and softens nothing.\n\n## Humour\n", prompt.Text);
        Assert.Contains("## Tone\n\nAster writes the way a friendly librarian talks.\n\nWhatever the tone, Aster keeps answers short unless asked for detail.\n", prompt.Text);
        Assert.EndsWith("detail.\n", prompt.Text);
        Assert.DoesNotContain(":::", prompt.Text);
        Assert.DoesNotContain("### Examples", prompt.Text);
        Assert.DoesNotContain("warm but says clearly", prompt.Text);
        Assert.DoesNotContain("complete sentences", prompt.Text);
        Assert.DoesNotContain("\n\n\n", prompt.Text);
        Assert.Equal(["Aster: a constitution", "Honesty", "Agreeableness", "Humour", "Examples", "Privacy", "Tone"], prompt.Choices.Select(c => c.Heading));
        Assert.Equal([null, null, "lower", null, "-", null, "casual"], prompt.Choices.Select(c => c.Variant));
    }

    [Fact]
    public void Given_variants_without_one_named_default_When_compiled_without_a_choice_Then_the_first_is_used()
    {
        var prompt = Compile(Samples.Constitution);

        Assert.Contains("Aster writes in complete sentences and avoids slang.", prompt.Text);
        Assert.DoesNotContain("friendly librarian", prompt.Text);
        Assert.Equal("formal", prompt.Choices.Single(c => c.Heading == "Tone").Variant);
    }

    [Fact]
    public void Given_a_prompt_When_compiled_Then_the_hash_is_sha256_of_its_utf8_text_in_lowercase_hex()
    {
        var prompt = Compile(Samples.Constitution + "\n\nUnicode: é ✓ 漢字\n");

        var expected = "sha256:" + string.Concat(SHA256.HashData(Encoding.UTF8.GetBytes(prompt.Text)).Select(b => b.ToString("x2")));
        Assert.Equal(expected, prompt.Hash);
    }

    [Fact]
    public void Given_the_same_input_with_crlf_or_lf_When_compiled_repeatedly_Then_text_and_hash_are_identical()
    {
        var lf = Compile(Samples.Constitution);
        var again = Compile(Samples.Constitution);
        var crlf = Compile(Samples.Constitution.Replace("\n", "\r\n"));

        Assert.Equal(lf.Text, again.Text);
        Assert.Equal(lf.Hash, again.Hash);
        Assert.Equal(lf.Hash, crlf.Hash);
        Assert.DoesNotContain('\r', crlf.Text);
    }

    [Fact]
    public void Given_a_variant_with_code_and_blank_lines_inside_When_compiled_Then_its_body_is_kept_exactly()
    {
        const string markdown = "## Format\n:::variant default\nUse this shape:\n\n```\n{\n\n\n  \"a\": 1\n}\n```\n:::\n";

        var prompt = Compile(markdown);

        Assert.Equal("## Format\nUse this shape:\n\n```\n{\n\n\n  \"a\": 1\n}\n```\n", prompt.Text);
    }

    [Fact]
    public void Given_every_section_omitted_When_compiled_Then_the_prompt_is_empty()
    {
        var prompt = Compile(Small, ("id0", "-"), ("id1", "-"), ("id2", "-"));

        Assert.Equal("", prompt.Text);
        Assert.Equal("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", prompt.Hash);
    }

    [Fact]
    public void Given_an_unknown_variant_When_compiled_Then_an_argument_exception_names_the_section_and_its_variants()
    {
        var error = Assert.Throws<ArgumentException>(() => Compile(Small, ("id1", "louder")));

        Assert.Contains("variant 'louder' for section 'A' (id id1)", error.Message);
        Assert.Contains("'default', 'alt'", error.Message);
    }

    [Fact]
    public void Given_a_variant_for_a_section_without_variants_When_compiled_Then_an_argument_exception_says_it_has_none()
    {
        var error = Assert.Throws<ArgumentException>(() => Compile(Small, ("id2", "default")));

        Assert.Contains("section 'B' (id id2), but it has no variants", error.Message);
    }

    [Fact]
    public void Given_an_unknown_section_id_When_compiled_Then_an_argument_exception_names_the_id()
    {
        var error = Assert.Throws<ArgumentException>(() => Compile(Small, ("gone", "-")));

        Assert.Contains("section id 'gone', which is not in this revision", error.Message);
    }

    [Fact]
    public void Given_malformed_variant_blocks_When_compiled_Then_a_variant_syntax_exception_lists_them()
    {
        const string broken = "## A\n:::variant open\ntext\n";

        var error = Assert.Throws<VariantSyntaxException>(() =>
            PromptCompiler.Compile(broken, Ids(broken), Recipe.Default));

        Assert.Equal(2, Assert.Single(error.Problems).Line);
    }

    [Fact]
    public void Given_section_ids_of_another_revision_When_compiled_Then_an_argument_exception_explains_the_mismatch()
    {
        var ids = Ids(Small);
        var edited = Small.Replace("B text.", "B text, edited.");

        var error = Assert.Throws<ArgumentException>(() => PromptCompiler.Compile(edited, ids, Recipe.Default));

        Assert.Contains("Section 3 of the document is 'B'", error.Message);
    }
}
