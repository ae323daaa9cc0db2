using ConstitutionHub.Inference.Tokenization;

namespace ConstitutionHub.Inference.Tests.Tokenization;

public sealed class TokenizerErrorTests
{
    private const string MinimalBpe = """
        {"version": "1.0", "added_tokens": [], "normalizer": NORMALIZER, "pre_tokenizer": PRE, "post_processor": POST,
         "decoder": DECODER, "model": MODEL}
        """;

    private static string Json(string normalizer = "null", string pre = "null", string decoder = "null",
        string model = """{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}""", string post = "null") =>
        MinimalBpe.Replace("NORMALIZER", normalizer).Replace("PRE", pre).Replace("DECODER", decoder).Replace("MODEL", model)
            .Replace("POST", post);

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
    [InlineData("""{"type": "Sentencepiece", "vocab": {"a": 0}}""", "model type 'Sentencepiece' is not supported")]
    [InlineData("""{"type": "WordPiece", "unk_token": "[UNK]"}""", "WordPiece model in tokenizer.json has no \"vocab\"")]
    [InlineData("""{"type": "Unigram", "vocab": [["a", "x"]], "unk_id": 0}""", "Unigram vocab entry 0")]
    [InlineData("""{"type": "Unigram", "vocab": [["a", 0.0]], "unk_id": 3}""", "unk_id 3 is outside")]
    [InlineData("""{"type": "WordLevel", "vocab": {"a": -1}, "unk_token": "[UNK]"}""", "WordLevel vocab entry 'a'")]
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
        Assert.Contains("'NMT'", Assert.Throws<TokenizerException>(() =>
            Tokenizer.FromJson(Json(normalizer: """{"type": "NMT"}"""))).Message);
        Assert.Contains("'Bogus'", Assert.Throws<TokenizerException>(() =>
            Tokenizer.FromJson(Json(pre: """{"type": "Bogus"}"""))).Message);
        Assert.Contains("'Byte'", Assert.Throws<TokenizerException>(() =>
            Tokenizer.FromJson(Json(decoder: """{"type": "Byte"}"""))).Message);
        Assert.Contains("\"delimiter\" of one character", Assert.Throws<TokenizerException>(() =>
            Tokenizer.FromJson(Json(pre: """{"type": "CharDelimiterSplit", "delimiter": "ab"}"""))).Message);
        Assert.Contains("\"cls\"", Assert.Throws<TokenizerException>(() =>
            Tokenizer.FromJson(Json(post: """{"type": "BertProcessing", "sep": ["[SEP]", 1]}"""))).Message);
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
