using System.Text.Json;
using ConstitutionHub.Inference.Tests.Tokenization;

namespace ConstitutionHub.Inference.Tests.Generation;

/// <summary>
/// tests/golden/generation-*.json hold what transformers.js renders, tokenizes and greedily generates for a set of
/// conversations with the local models (tools/peer/generation-golden.mjs). Ours must match to the token.
/// </summary>
public sealed class GreedyGoldenTests
{
    private static List<string> Files() =>
        Directory.GetFiles(Golden.Path("tests", "golden"), "generation-*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;

    public static TheoryData<string> Goldens() => new(Files());

    [Fact]
    public void Goldens_exist_for_the_demo_and_test_models()
    {
        var names = Files();
        Assert.Contains("generation-demo-qwen2.json", names);
        Assert.Contains("generation-tiny-llama-sp.json", names);
    }

    [Theory]
    [MemberData(nameof(Goldens))]
    public void Prompt_prompt_ids_and_greedy_ids_equal_transformers_js(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Golden.Path("tests", "golden", file)));
        var root = doc.RootElement;
        string folder = Golden.Path(root.GetProperty("model").GetString()!.Split('/'));
        string onnxFile = root.GetProperty("onnxFile").GetString()!;
        int maxNew = root.GetProperty("settings").GetProperty("max_new_tokens").GetInt32();
        using var model = TestModels.Open(folder, onnxFile);
        Assert.Equal(root.GetProperty("eosTokenIds").EnumerateArray().Select(e => e.GetInt32()).Order(), model.EosTokenIds.Order());

        foreach (var c in root.GetProperty("cases").EnumerateArray())
        {
            string name = c.GetProperty("name").GetString()!;
            var messages = c.GetProperty("messages").EnumerateArray()
                .Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!)).ToList();
            string prompt = model.RenderPrompt(messages);
            Assert.True(c.GetProperty("prompt").GetString() == prompt, $"{file}/{name}: rendered prompt differs");
            var promptIds = model.EncodePrompt(prompt);
            Assert.True(Ids(c, "promptIds").SequenceEqual(promptIds), $"{file}/{name}: prompt ids differ");

            var (updates, ids) = TestModels.Run(model, promptIds, SamplingSettings.Greedy(maxNew));
            var expected = Ids(c, "outputIds");
            Assert.True(expected.SequenceEqual(ids), $"{file}/{name}: generated [{string.Join(",", ids)}], expected [{string.Join(",", expected)}]");
            Assert.Equal(c.GetProperty("finishReason").GetString(), updates[^1].FinishReason);
            Assert.Equal(c.GetProperty("outputText").GetString(), string.Concat(updates.Select(u => u.TextDelta)));
        }
    }

    private static int[] Ids(JsonElement c, string name) => c.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
