using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Tests.Documents.Text;

public sealed class VariantValidatorTests
{
    [Fact]
    public void Given_the_sample_constitution_When_validated_Then_there_are_no_problems()
    {
        Assert.Empty(VariantValidator.Validate(Samples.Constitution));
        VariantValidator.EnsureValid(Samples.Constitution);
    }

    [Fact]
    public void Given_a_duplicate_variant_name_in_a_section_When_validated_Then_both_lines_are_named()
    {
        var problem = Assert.Single(VariantValidator.Validate(
            "## Tone\n:::variant formal\na\n:::\n:::variant formal\nb\n:::\n"));

        Assert.Equal(5, problem.Line);
        Assert.Contains("section 'Tone' already has a variant named 'formal' (line 2)", problem.Message);
    }

    [Fact]
    public void Given_the_same_variant_name_in_two_sections_When_validated_Then_that_is_fine()
    {
        Assert.Empty(VariantValidator.Validate("## A\n:::variant short\na\n:::\n## B\n:::variant short\nb\n:::\n"));
    }

    [Fact]
    public void Given_an_unclosed_variant_block_When_validated_Then_its_opening_line_is_reported()
    {
        var problem = Assert.Single(VariantValidator.Validate("## A\ntext\n:::variant lower\nlow\n## B\nmore\n"));

        Assert.Equal(3, problem.Line);
        Assert.Contains("':::variant lower' is never closed", problem.Message);
    }

    [Theory]
    [InlineData(":::variant\ntext\n:::\n", "without a name")]
    [InlineData(":::variant More Direct\ntext\n:::\n", "'More Direct' is not valid")]
    [InlineData(":::variant -\ntext\n:::\n", "'-' is not valid")]
    [InlineData(":::variant a_b\ntext\n:::\n", "'a_b' is not valid")]
    [InlineData(":::variant x2345678901234567890123456789012345678901\ntext\n:::\n", "is not valid")]
    [InlineData(":::Variant lower\ntext\n:::\n", "Write 'variant' in lower case")]
    [InlineData(":::note\ntext\n:::\n", "unknown block ':::note'")]
    public void Given_a_malformed_opening_line_When_validated_Then_the_problem_is_explained_at_that_line(string body, string expected)
    {
        var problem = Assert.Single(VariantValidator.Validate("## Section\n" + body));

        Assert.Equal(2, problem.Line);
        Assert.Contains(expected, problem.Message);
    }

    [Fact]
    public void Given_a_forty_character_name_When_validated_Then_it_is_accepted()
    {
        Assert.Empty(VariantValidator.Validate(":::variant " + new string('a', 40) + "\ntext\n:::\n"));
    }

    [Fact]
    public void Given_a_stray_closing_fence_When_validated_Then_it_is_reported_as_opening_a_runaway_block()
    {
        var problems = VariantValidator.Validate("## A\n:::variant x\nx\n:::\n:::\n## B\ntext\n");

        var problem = Assert.Single(problems);
        Assert.Equal(5, problem.Line);
        Assert.Contains("has no open variant block to close", problem.Message);
    }

    [Fact]
    public void Given_variant_blocks_nested_in_a_list_or_in_another_variant_When_validated_Then_both_are_reported()
    {
        var problems = VariantValidator.Validate("## A\n- item\n\n  :::variant x\n  text\n  :::\n\n::::variant outer\n:::variant inner\ni\n:::\n::::\n");

        Assert.Equal([4, 9], problems.Select(p => p.Line));
        Assert.Contains("inside a list, quote or footnote", problems[0].Message);
        Assert.Contains("inside the block opened at line 8", problems[1].Message);
    }

    [Fact]
    public void Given_several_problems_When_ensuring_validity_Then_the_exception_lists_them_all_by_line()
    {
        var error = Assert.Throws<VariantSyntaxException>(() =>
            VariantValidator.EnsureValid("## A\n:::variant Bad\n:::\n:::variant x\nx\n:::\n:::variant x\n:::\n"));

        Assert.Equal(2, error.Problems.Count);
        Assert.Contains("Line 2: variant name 'Bad'", error.Message);
        Assert.Contains("Line 7: section 'A' already has a variant named 'x'", error.Message);
        Assert.IsAssignableFrom<ArgumentException>(error);
    }
}
