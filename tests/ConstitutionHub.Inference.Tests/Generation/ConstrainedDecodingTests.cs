using System.Text;
using System.Text.Json;
using ConstitutionHub.Inference.Generation;
using ConstitutionHub.Inference.Generation.Constraints;
using ConstitutionHub.Inference.Tests.Tokenization;

namespace ConstitutionHub.Inference.Tests.Generation;

/// <summary>
/// Constrained decoding on the real demo model, which has never seen JSON of these shapes: whatever it would say, the
/// masked logits leave it only outputs the schema (or the fixed choice) accepts.
/// </summary>
public sealed class ConstrainedDecodingTests : IDisposable
{
    private readonly LocalChatModel model = TestModels.Open(Golden.Path("models", "demo-qwen2"));

    public void Dispose() => this.model.Dispose();

    private static readonly ChatMessage[] Ask = [new("user", "Which answer follows the constitution better?")];

    private async Task<(string Text, string Finish)> Generate(OutputConstraintSpec constraint, SamplingSettings sampling)
    {
        var updates = await TestModels.CollectAsync(this.model.StreamAsync(new GenerationRequest(Ask, sampling, "u", constraint), default));
        return (string.Concat(updates.Select(u => u.TextDelta)), updates[^1].FinishReason!);
    }

    private static JsonElement Schema(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public async Task A_fixed_choice_returns_one_of_the_choices_and_nothing_else()
    {
        var choice = new OutputConstraintSpec.Choice(["A", "B", "tie"]);
        var seen = new HashSet<string>();
        for (int seed = 1; seed <= 12; seed++)
        {
            var (text, finish) = await Generate(choice, new SamplingSettings(Temperature: 4, TopK: 0, TopP: 1, MinP: 0, RepetitionPenalty: 1, MaxNewTokens: 16, Seed: seed));
            Assert.Contains(text, choice.Options);
            Assert.Equal(FinishReasons.Stop, finish);
            seen.Add(text);
        }
        var (greedy, _) = await Generate(choice, SamplingSettings.Greedy(16));
        Assert.Contains(greedy, choice.Options);
        Assert.True(seen.Count > 1, "hot sampling should reach more than one choice");
    }

    [Fact]
    public async Task A_json_schema_is_obeyed_greedy_and_sampled()
    {
        var spec = new OutputConstraintSpec.JsonSchema(Schema("""
            {"type":"object","properties":{
               "verdict":{"enum":["A","B","tie"]},
               "confidence":{"type":"integer"},
               "reasons":{"type":"array","items":{"type":"string","maxLength":24},"minItems":1,"maxItems":3},
               "note":{"type":["string","null"],"maxLength":24}},
             "required":["verdict","confidence","reasons"],"additionalProperties":false}
            """));
        var runs = new List<SamplingSettings> { SamplingSettings.Greedy(200) };
        runs.AddRange(Enumerable.Range(1, 4).Select(seed => new SamplingSettings(Temperature: 1, TopK: 0, TopP: 1, MinP: 0, RepetitionPenalty: 1, MaxNewTokens: 300, Seed: seed)));
        int finished = 0;
        foreach (var sampling in runs)
        {
            var (text, finish) = await Generate(spec, sampling);
            // Every reply is a valid beginning; one cut off by max tokens stops there, as on any server. The strings are
            // bounded, so the demo model, which never closes a string on its own, has to.
            var state = GrammarMatcher.Start(JsonSchemaGrammar.Compile(spec.Schema)).Accept(Encoding.UTF8.GetBytes(text));
            Assert.NotNull(state);
            if (finish == FinishReasons.Length) continue;
            Assert.True(state.CanEnd);
            finished++;
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            Assert.Contains(root.GetProperty("verdict").GetString(), new[] { "A", "B", "tie" });
            Assert.Equal(JsonValueKind.Number, root.GetProperty("confidence").ValueKind);
            Assert.InRange(root.GetProperty("reasons").GetArrayLength(), 1, 3);
            Assert.All(root.EnumerateObject(), p => Assert.Contains(p.Name, new[] { "verdict", "confidence", "reasons", "note" }));
        }
        Assert.True(finished >= 2, $"only {finished} of {runs.Count} replies completed their JSON");
    }

    [Fact]
    public async Task Json_object_mode_gives_a_json_object()
    {
        var (text, finish) = await Generate(new OutputConstraintSpec.JsonObject(), SamplingSettings.Greedy(120));
        Assert.StartsWith("{", text);
        if (finish == FinishReasons.Stop) Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(text).RootElement.ValueKind);
    }

    [Fact]
    public void A_schema_keyword_that_cannot_be_enforced_is_refused_by_name()
    {
        var e = Assert.Throws<InferenceException>(() => this.model.StreamAsync(new GenerationRequest(Ask, SamplingSettings.Greedy(), "u",
            new OutputConstraintSpec.JsonSchema(Schema("""{"type":"object","properties":{"x":{"type":"string","pattern":"^a+$"}}}"""))), default));
        Assert.Equal("invalid_request", e.Code);
        Assert.Equal("response_format", e.Field);
        Assert.Contains("\"pattern\"", e.Message);
        Assert.Contains("$.x", e.Message);
    }

    [Theory]
    [InlineData("""{"a":1,"b":[true,null]}""", true)]
    [InlineData("""{"a": 1, "b": []}""", true)]
    [InlineData("""{"b":[]}""", false)]         // a is required
    [InlineData("""{"a":01,"b":[]}""", false)]  // no leading zeros
    [InlineData("""{"a":1,"b":[],"c":2}""", false)]
    [InlineData("""{"a":-3,"b":["x\"y"]}""", true)]
    public void The_schema_grammar_accepts_exactly_the_valid_texts(string text, bool valid)
    {
        var grammar = JsonSchemaGrammar.Compile(Schema("""
            {"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"array"}},"required":["a","b"],"additionalProperties":false}
            """));
        var state = GrammarMatcher.Start(grammar).Accept(Encoding.UTF8.GetBytes(text));
        Assert.Equal(valid, state is { CanEnd: true });
    }

    [Theory]
    [InlineData("\"\"", false)]          // minLength 1
    [InlineData("\"abc\"", true)]
    [InlineData("\"abcd\"", false)]      // maxLength 3
    [InlineData("\"\u00e9t\u00e9\"", true)] // three characters, five bytes
    [InlineData("\"a\\nb\"", true)]      // an escape is one character
    public void String_lengths_count_characters_not_bytes(string text, bool valid)
    {
        var grammar = JsonSchemaGrammar.Compile(Schema("""{"type":"string","minLength":1,"maxLength":3}"""));
        var state = GrammarMatcher.Start(grammar).Accept(Encoding.UTF8.GetBytes(text));
        Assert.Equal(valid, state is { CanEnd: true });
    }

    [Fact]
    public void A_string_is_always_valid_utf8()
    {
        var grammar = JsonSchemaGrammar.Compile(Schema("""{"type":"string"}"""));
        Assert.NotNull(GrammarMatcher.Start(grammar).Accept([(byte)'"', 0xC3, 0xA9]));
        Assert.Null(GrammarMatcher.Start(grammar).Accept([(byte)'"', 0xFF]));      // never a UTF-8 byte
        Assert.Null(GrammarMatcher.Start(grammar).Accept([(byte)'"', 0xC3, (byte)'a'])); // a lead byte without its tail
    }

    [Fact]
    public async Task Logprobs_are_the_models_own_with_the_chosen_token_first_when_greedy()
    {
        var updates = await TestModels.CollectAsync(this.model.StreamAsync(new GenerationRequest(Ask, SamplingSettings.Greedy(12), "u", TopLogprobs: 5), default));
        var logprobs = updates.SelectMany(u => u.Logprobs ?? []).ToList();
        Assert.Equal(updates[^1].CompletionTokens - (updates[^1].FinishReason == FinishReasons.Stop ? 1 : 0), logprobs.Count);
        foreach (var lp in logprobs)
        {
            Assert.True(lp.Logprob <= 0);
            Assert.Equal(5, lp.TopLogprobs.Count);
            Assert.Equal(lp.Token, lp.TopLogprobs[0].Token); // greedy picks the most likely
            Assert.Equal(lp.Logprob, lp.TopLogprobs[0].Logprob, 9);
            Assert.True(lp.TopLogprobs.Zip(lp.TopLogprobs.Skip(1)).All(p => p.First.Logprob >= p.Second.Logprob));
            Assert.True(lp.TopLogprobs.Sum(t => Math.Exp(t.Logprob)) <= 1.0000001);
        }
        Assert.Equal(string.Concat(updates.Select(u => u.TextDelta)), Encoding.UTF8.GetString(logprobs.SelectMany(l => l.Bytes).ToArray()));
    }

    [Fact]
    public async Task Several_choices_are_the_replies_of_seed_plus_index()
    {
        var hot = new SamplingSettings(Temperature: 1.2, TopK: 0, TopP: 1, MinP: 0, RepetitionPenalty: 1, MaxNewTokens: 20, Seed: 100);
        var together = await TestModels.CollectAsync(this.model.StreamAsync(new GenerationRequest(Ask, hot, "u", Choices: 3), default));
        for (int i = 0; i < 3; i++)
        {
            var alone = await TestModels.CollectAsync(this.model.StreamAsync(new GenerationRequest(Ask, hot with { Seed = 100 + i }, "u"), default));
            Assert.Equal(string.Concat(alone.Select(u => u.TextDelta)), string.Concat(together.Where(u => u.Choice == i).Select(u => u.TextDelta)));
            Assert.Single(together, u => u.Choice == i && u.FinishReason is not null);
        }
    }
}
