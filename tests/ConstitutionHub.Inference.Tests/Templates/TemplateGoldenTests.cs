using System.Text.Json;
using ConstitutionHub.Inference.Templates;
using ConstitutionHub.Inference.Tests.Tokenization;

namespace ConstitutionHub.Inference.Tests.Templates;

/// <summary>
/// Chat templates of the main model families rendered by @huggingface/jinja (tests/golden/templates-golden.json,
/// written by tools/peer/template-golden.mjs) must render byte for byte the same here, and fail where it fails.
/// </summary>
public sealed class TemplateGoldenTests
{
    private static readonly Lazy<JsonDocument> GoldenFile = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Golden.Path("tests", "golden", "templates-golden.json"))));

    private static readonly Dictionary<string, ChatTemplate> Parsed = [];

    public static IEnumerable<object[]> Cases()
    {
        var cases = GoldenFile.Value.RootElement.GetProperty("cases");
        for (int i = 0; i < cases.GetArrayLength(); i++)
        {
            var c = cases[i];
            yield return [i, $"{c.GetProperty("template").GetString()}/{c.GetProperty("conversation").GetString()}/{(c.GetProperty("add_generation_prompt").GetBoolean() ? "prompt" : "no-prompt")}"];
        }
    }

    private static ChatTemplate TemplateNamed(string name)
    {
        lock (Parsed)
        {
            if (!Parsed.TryGetValue(name, out var t))
            {
                // Either a .jinja file or the chat_template of a tokenizer_config.json.
                string file = GoldenFile.Value.RootElement.GetProperty("templates").GetProperty(name).GetString()!;
                string path = Golden.Path(file.Split('/'));
                string source = path.EndsWith(".json", StringComparison.Ordinal)
                    ? ConstitutionHub.Inference.Tokenization.TokenizerConfig.Load(path).ChatTemplate!
                    : File.ReadAllText(path);
                t = ChatTemplate.Parse(source);
                Parsed[name] = t;
            }
            return t;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rendering_matches_transformers_js(int index, string label)
    {
        var c = GoldenFile.Value.RootElement.GetProperty("cases")[index];
        var template = TemplateNamed(c.GetProperty("template").GetString()!);
        var messages = GoldenFile.Value.RootElement.GetProperty("conversations").GetProperty(c.GetProperty("conversation").GetString()!)
            .EnumerateArray().Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!)).ToList();
        var variables = c.GetProperty("variables").EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        bool addGenerationPrompt = c.GetProperty("add_generation_prompt").GetBoolean();

        if (c.TryGetProperty("error", out var error))
        {
            var e = Assert.Throws<TemplateException>(() => template.Render(messages, addGenerationPrompt, variables));
            Assert.True(e.RaisedByTemplate, $"{label}: expected the template's own exception, got {e.Message}");
            Assert.Equal(error.GetString(), e.Message);
        }
        else
        {
            Assert.Equal(c.GetProperty("output").GetString(), template.Render(messages, addGenerationPrompt, variables));
        }
    }
}
