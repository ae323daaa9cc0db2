using ConstitutionHub.Inference.Tokenization;

namespace ConstitutionHub.Inference.Tests.Tokenization;

public sealed class TokenizerErrorTests
{
    private const string MinimalBpe = """
        {"version": "1.0", "added_tokens": [], "normalizer": NORMALIZER, "pre_tokenizer": PRE, "post_processor": null,
         "decoder": DECODER, "model": MODEL}
        """;

    private static string Json(string normalizer = "null", string pre = "null", string decoder = "null",
        string model = """{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}""") =>
        MinimalBpe.Replace("NORMALIZER", normalizer).Replace("PRE", pre).Replace("DECODER", decoder).Replace("MODEL", model);

    [Fact]
    public void Minimal_file_loads_and_merges()
    {
        var t = Tokenizer.FromJson(Json());
        Assert.Equal([2, 0], t.Encode("aba"));
        Assert.Equal("ab a", t.Decode([2, 0]));
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        var e = Assert.Throws<TokenizerException>(() => Tokenizer.Load("/nonexistent/dir/tokenizer.json"));
        Assert.Contains("/nonexistent/dir/tokenizer.json", e.Message);
    }

    [Fact]
    public void Invalid_json_is_reported_as_such()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tok-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "{ not json");
        try
        {
            var e = Assert.Throws<TokenizerException>(() => Tokenizer.Load(path));
            Assert.Contains("not valid JSON", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("""{"type": "WordPiece", "vocab": {"a": 0}, "unk_token": "[UNK]"}""", "model type 'WordPiece' is not supported")]
    [InlineData("""{"type": "Unigram", "vocab": [["a", 0.0]], "unk_id": 0}""", "model type 'Unigram' is not supported")]
    [InlineData("""{"type": "BPE", "vocab": {"a": 0}}""", "no \"merges\"")]
    [InlineData("""{"type": "BPE", "vocab": {"a": 0}, "merges": [42]}""", "rank 0")]
    [InlineData("""{"type": "BPE", "vocab": {"a": "zero"}, "merges": []}""", "'a'")]
    public void Unsupported_or_malformed_models_are_named(string model, string expected)
    {
        var e = Assert.Throws<TokenizerException>(() => Tokenizer.FromJson(Json(model: model)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Unsupported_components_are_named()
    {
        Assert.Contains("'BertNormalizer'", Assert.Throws<TokenizerException>(() =>
            Tokenizer.FromJson(Json(normalizer: """{"type": "BertNormalizer"}"""))).Message);
        Assert.Contains("'Whitespace'", Assert.Throws<TokenizerException>(() =>
            Tokenizer.FromJson(Json(pre: """{"type": "Whitespace"}"""))).Message);
        Assert.Contains("'WordPiece'", Assert.Throws<TokenizerException>(() =>
            Tokenizer.FromJson(Json(decoder: """{"type": "WordPiece"}"""))).Message);
    }

    [Fact]
    public void Unsupported_regex_features_are_named()
    {
        var e = Assert.Throws<TokenizerException>(() =>
            Tokenizer.FromJson(Json(pre: """{"type": "Split", "pattern": {"Regex": "[a&&b]"}, "behavior": "Isolated", "invert": false}""")));
        Assert.Contains("intersection", e.Message);
        var script = Assert.Throws<TokenizerException>(() =>
            Tokenizer.FromJson(Json(pre: """{"type": "Split", "pattern": {"Regex": "\\p{Han}+"}, "behavior": "Isolated", "invert": false}""")));
        Assert.Contains("\\p{Han}", script.Message);
    }

    [Fact]
    public void Concurrent_encoding_gives_the_same_ids_as_sequential_encoding()
    {
        var t = Golden.TokenizerFor("qwen2-style");
        var texts = Golden.Load("qwen2-style").Cases.Select(c => c.Text).ToArray();
        var expected = texts.Select(x => t.Encode(x).ToArray()).ToArray();
        var fresh = Tokenizer.Load(Golden.Path(Golden.Load("qwen2-style").TokenizerPath.Split('/')));
        var results = new int[texts.Length * 8][];
        Parallel.For(0, results.Length, i => results[i] = fresh.Encode(texts[i % texts.Length]).ToArray());
        for (int i = 0; i < results.Length; i++)
        {
            Assert.Equal(expected[i % texts.Length], results[i]);
        }
    }
}
