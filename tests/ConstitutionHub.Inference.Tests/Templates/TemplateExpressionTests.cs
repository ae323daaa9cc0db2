using System.Text.Json;
using ConstitutionHub.Inference.Templates;
using ConstitutionHub.Inference.Tests.Tokenization;

namespace ConstitutionHub.Inference.Tests.Templates;

/// <summary>
/// Every value conversion as @huggingface/jinja does it: one-line templates over values of every type
/// (tests/golden/templates/expressions.txt, rendered by tools/peer/template-golden.mjs into
/// tests/golden/expressions-golden.json) print, concatenate, compare and filter the same here, and fail where it fails.
/// </summary>
public sealed class TemplateExpressionTests
{
    private static readonly Lazy<JsonDocument> GoldenFile = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Golden.Path("tests", "golden", "expressions-golden.json"))));

    public static IEnumerable<object[]> Cases()
    {
        var cases = GoldenFile.Value.RootElement.GetProperty("cases");
        for (int i = 0; i < cases.GetArrayLength(); i++)
        {
            yield return [i, cases[i].GetProperty("template").GetString()!];
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Expression_renders_as_huggingface_jinja(int index, string template)
    {
        var root = GoldenFile.Value.RootElement;
        var c = root.GetProperty("cases")[index];
        string source = root.GetProperty("prefix").GetString() + template;
        var variables = root.GetProperty("variables").EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        if (c.TryGetProperty("error", out var error))
        {
            var e = Assert.ThrowsAny<TemplateException>(() => ChatTemplate.Parse(source).Render(variables));
            Assert.False(string.IsNullOrWhiteSpace(e.Message), $"@huggingface/jinja: {error.GetString()}");
            return;
        }
        Assert.Equal(c.GetProperty("output").GetString(), ChatTemplate.Parse(source).Render(variables));
    }

    [Fact]
    public void A_string_plus_a_list_joins_the_list_with_commas()
    {
        var t = ChatTemplate.Parse("{{ 'x' + ['a', 'b'] }}|{{ 'x' ~ [1, 2.0, none] }}");
        Assert.Equal("xa,b|x1,2.0,undefined", t.Render(new Dictionary<string, object?>()));
    }
}
