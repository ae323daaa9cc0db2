using System.Text.Json;
using ConstitutionHub.Inference.Templates;
using ConstitutionHub.Inference.Tests.Tokenization;

namespace ConstitutionHub.Inference.Tests.Templates;

/// <summary>
/// The real chat templates of @huggingface/jinja's own end-to-end suite, with its inputs, rendered by
/// @huggingface/jinja from npm (tools/peer/jinja-e2e-golden.mjs), must render byte for byte the same here.
/// </summary>
/// <remarks>
/// The suite belongs to huggingface/huggingface.js and is not copied into this repository, so the cases file is made
/// on a machine that has that repository. Without it these tests are skipped, saying where the file is looked for.
/// </remarks>
public sealed class JinjaE2eConformanceTests
{
    private static readonly Lazy<JsonDocument?> CasesFile = new(() =>
        JinjaE2eData.Path is string path ? JsonDocument.Parse(File.ReadAllBytes(path)) : null);

    public static IEnumerable<object[]> Cases()
    {
        var cases = CasesFile.Value?.RootElement.GetProperty("cases");
        for (int i = 0; i < (cases?.GetArrayLength() ?? 0); i++)
        {
            yield return [i, cases!.Value[i].GetProperty("name").GetString()!];
        }
    }

    [JinjaE2eTheory]
    [MemberData(nameof(Cases))]
    public void Renders_as_huggingface_jinja(int index, string name)
    {
        var c = CasesFile.Value!.RootElement.GetProperty("cases")[index];
        var template = ChatTemplate.Parse(c.GetProperty("template").GetString()!)
            .WithClock(() => DateTime.Parse(CasesFile.Value.RootElement.GetProperty("now").GetString()!,
                System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal));
        var variables = c.GetProperty("variables").EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        if (c.TryGetProperty("error", out _))
        {
            Assert.Throws<TemplateException>(() => template.Render(variables));
            return;
        }
        Assert.True(c.TryGetProperty("output", out var output), name);
        Assert.Equal(output.GetString(), template.Render(variables));
    }
}

/// <summary>Where the cases file is: HUB_JINJA_E2E, .cache/jinja-e2e/cases.json, or ../shared/jinja-e2e/cases.json.</summary>
internal static class JinjaE2eData
{
    public static readonly string[] Candidates =
    [
        System.Environment.GetEnvironmentVariable("HUB_JINJA_E2E") ?? "",
        Golden.Path(".cache", "jinja-e2e", "cases.json"),
        System.IO.Path.GetFullPath(Golden.Path("..", "shared", "jinja-e2e", "cases.json")),
    ];

    public static string? Path { get; } = Candidates.FirstOrDefault(p => p.Length > 0 && File.Exists(p));
}

/// <summary>A theory that is skipped, with the reason printed, when the cases file is absent.</summary>
public sealed class JinjaE2eTheoryAttribute : TheoryAttribute
{
    public JinjaE2eTheoryAttribute(
        [System.Runtime.CompilerServices.CallerFilePath] string? sourceFilePath = null,
        [System.Runtime.CompilerServices.CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (JinjaE2eData.Path is null)
        {
            Skip = "No @huggingface/jinja e2e cases: run `node tools/peer/jinja-e2e-golden.mjs <huggingface.js>` to write "
                + $"them (looked in: {string.Join(", ", JinjaE2eData.Candidates.Where(p => p.Length > 0))}).";
        }
    }
}
