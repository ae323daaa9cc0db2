using ConstitutionHub.Inference.Tokenization;

namespace ConstitutionHub.Inference.Tests.Tokenization;

/// <summary>Every tokenizer under tests/tokenizers (and the models) against transformers.js on the golden corpus.</summary>
public sealed class TokenizerGoldenTests
{
    public static IEnumerable<object[]> Cases() => Golden.AllCases();

    public static IEnumerable<object[]> Names() => Golden.TokenizerNames().Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encoding_matches_transformers_js(string tokenizer, int index)
    {
        var c = Golden.Load(tokenizer).Cases[index];
        var t = Golden.TokenizerFor(tokenizer);
        Assert.Equal(c.Ids, t.Encode(c.Text));
        Assert.Equal(c.IdsWithSpecial, t.Encode(c.Text, addSpecialTokens: true));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decoding_matches_transformers_js(string tokenizer, int index)
    {
        var c = Golden.Load(tokenizer).Cases[index];
        var t = Golden.TokenizerFor(tokenizer);
        Assert.Equal(c.Decoded, t.Decode(c.Ids));
        Assert.Equal(c.DecodedWithSpecial, t.Decode(c.IdsWithSpecial));
        Assert.Equal(c.DecodedSkipSpecial, t.Decode(c.IdsWithSpecial, skipSpecialTokens: true));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Streaming_decode_concatenates_to_the_full_decode_without_replacement_characters(string tokenizer, int index)
    {
        var c = Golden.Load(tokenizer).Cases[index];
        var t = Golden.TokenizerFor(tokenizer);
        foreach (bool skip in new[] { false, true })
        {
            string full = t.Decode(c.IdsWithSpecial, skip);
            var stream = t.CreateStreamingDecoder(skip);
            var chunks = new List<string>();
            foreach (int id in c.IdsWithSpecial)
            {
                chunks.Add(stream.Append(id));
            }
            chunks.Add(stream.Flush());
            Assert.Equal(full, string.Concat(chunks));
            if (!full.Contains('\uFFFD'))
            {
                Assert.DoesNotContain(chunks, chunk => chunk.Contains('\uFFFD'));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Vocabulary_size_and_special_tokens_match_the_file(string tokenizer)
    {
        var golden = Golden.Load(tokenizer);
        var t = Golden.TokenizerFor(tokenizer);
        Assert.Equal(golden.VocabSize, t.VocabSize);
        int checkedTokens = 0;
        for (int id = 0; id < t.VocabSize; id++)
        {
            string? token = t.IdToToken(id);
            if (token is null) continue;
            Assert.Equal(id, t.TokenToId(token));
            checkedTokens++;
        }
        Assert.True(checkedTokens > 100);
        // Every tokenizer here has at least one special token, and special tokens decode to nothing when skipped.
        var special = Enumerable.Range(0, t.VocabSize).Where(t.IsSpecial).ToList();
        Assert.NotEmpty(special);
        Assert.All(special, id => Assert.Equal("", t.Decode([id], skipSpecialTokens: true)));
    }
}
