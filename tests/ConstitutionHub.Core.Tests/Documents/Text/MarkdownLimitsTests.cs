using ConstitutionHub.Core.Documents.Text;
using Xunit.Abstractions;

namespace ConstitutionHub.Core.Tests.Documents.Text;

/// <summary>Inputs that make Markdig's inline parser quadratic must be refused quickly, ordinary ones accepted.</summary>
[Collection(TimingCollection.Name)]
public sealed class MarkdownLimitsTests(ITestOutputHelper output)
{
    /// <summary>Repeated units that are quadratic in one paragraph (measured; see MarkdownLimits).</summary>
    public static TheoryData<string> PathologicalUnits() => new()
    {
        "**x** ", "[ ", "[a](", "www.a(", "::a", "[ (](", "[]((", "*_a", "~~a ", "==a ", "++a ", "a^a ",
    };

    /// <summary>
    /// The units with the highest measured cost per unit of the estimate; "[ " also reaches Markdig's nesting
    /// limit while rendering rather than parsing.
    /// </summary>
    public static TheoryData<string> CostliestUnits() => new() { "[ ", "*_a", "a^a " };

    private static string Repeat(string unit, int count) => string.Concat(Enumerable.Repeat(unit, count));

    [Theory]
    [MemberData(nameof(PathologicalUnits))]
    public void Given_a_long_paragraph_of_pathological_markup_When_rendered_Then_it_is_refused_at_once_with_its_line(string unit)
    {
        var markdown = "# Title\n\nFine text.\n\n" + Repeat(unit, 200_000 / unit.Length);

        var timer = CpuTimer.Start();
        var error = Assert.Throws<MarkdownTooComplexException>(() => MarkdownRenderer.RenderHtml(markdown));
        var cpu = timer.CpuMilliseconds;

        Assert.Equal(5, error.Line);
        Assert.StartsWith("Line 5: the document has too much inline markup", error.Message);
        Assert.True(cpu < 500, $"refusing took {cpu} ms of CPU");
        Assert.Throws<MarkdownTooComplexException>(() => SectionParser.Parse(markdown));
        Assert.Equal(5, Assert.Single(VariantValidator.Validate(markdown)).Line);
    }

    [Theory]
    [MemberData(nameof(CostliestUnits))]
    public void Given_the_longest_pathological_paragraph_the_budget_allows_When_rendered_Then_it_finishes_within_three_seconds(string unit)
    {
        var count = LargestCountWithinBudget(unit);
        var markdown = Repeat(unit, count);

        var timer = CpuTimer.Start();
        try
        {
            MarkdownRenderer.RenderHtml(markdown);
        }
        catch (MarkdownTooComplexException)
        {
            // Markdig's own depth limit may refuse it instead; what matters is how long that took.
        }
        var (cpu, wall) = (timer.CpuMilliseconds, timer.WallMilliseconds);

        output.WriteLine($"'{unit}' x {count} ({markdown.Length} chars): {cpu} ms CPU ({wall} ms wall)");
        // Generous: without the budget, inputs of this shape take minutes.
        Assert.True(cpu < 3000, $"'{unit}' x {count} took {cpu} ms of CPU");
    }

    [Fact]
    public void Given_ordinary_large_documents_When_estimated_Then_they_are_far_below_the_budget()
    {
        var table = "| Trait | Setting | Source |\n|---|---|---|\n" + string.Concat(Enumerable.Range(0, 3000)
            .Select(i => $"| trait {i} | level {i % 5} | [charter](https://example.org/c/{i}) |\n"));
        var prose = string.Concat(Enumerable.Range(0, 500).Select(i =>
            $"## Rule {i}\n\n" + Repeat("Aster *usually* explains (briefly) why; see [the charter](/c) and note: ref_1. ", 25) + "\n\n"));

        var tableCost = MarkdownLimits.Estimate(table).Cost;
        var proseCost = MarkdownLimits.Estimate(prose).Cost;

        output.WriteLine($"table {table.Length} chars: {tableCost:N0}; prose {prose.Length} chars: {proseCost:N0}; budget {MarkdownLimits.Budget:N0}");
        Assert.True(tableCost < MarkdownLimits.Budget / 10, $"table cost {tableCost:N0}");
        Assert.True(proseCost < MarkdownLimits.Budget / 2, $"prose cost {proseCost:N0}");
        Assert.Contains("<table>", MarkdownRenderer.RenderHtml(table));
        Assert.Equal(500, SectionParser.Parse(prose).Count);
    }

    [Fact]
    public void Given_markup_inside_a_fenced_code_block_When_estimated_Then_it_costs_nothing()
    {
        var code = "```\n" + Repeat("**x** [a](\n", 20_000) + "```\n";

        Assert.Equal(0, MarkdownLimits.Estimate(code).Cost);
    }

    [Fact]
    public void Given_nesting_deeper_than_the_parser_allows_When_rendered_Then_a_too_complex_exception_explains_it()
    {
        var markdown = new string('>', 1000) + " deep";

        var error = Assert.Throws<MarkdownTooComplexException>(() => MarkdownRenderer.RenderHtml(markdown));

        Assert.Contains("the document nests quotes, lists, brackets or emphasis too deeply", error.Message);
        Assert.IsAssignableFrom<ArgumentException>(error);
        Assert.Contains("too deeply", Assert.Single(VariantValidator.Validate(markdown)).Message);
    }

    private static int LargestCountWithinBudget(string unit)
    {
        int low = 1, high = 1_000_000;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (MarkdownLimits.Estimate(Repeat(unit, middle)).Cost <= MarkdownLimits.Budget) low = middle;
            else high = middle - 1;
        }
        return low;
    }
}
