using System.Text.Json;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>
/// The "model" of tokenizer.json: turns one pre-token into ids (transformers.js: src/core/tokenizerModelImplementations).
/// </summary>
internal abstract class TokenizerModel
{
    /// <summary>Token string to id: the model vocabulary, later overlaid with added tokens by <see cref="Tokenizer"/>.</summary>
    public Dictionary<string, int> Vocab { get; } = new(StringComparer.Ordinal);

    /// <summary>The token that stands for anything the vocabulary cannot express, if the model has one.</summary>
    public string? UnkToken { get; protected init; }

    /// <summary>Whether runs of unknown tokens within one section become a single unknown token.</summary>
    public virtual bool FuseUnk => false;

    /// <summary>BPE's end_of_word_suffix, which decoding turns back into spaces.</summary>
    public virtual string? EndOfWordSuffix => null;

    /// <summary>Encodes one pre-token, appending ids through <paramref name="resolve"/> (added tokens first, then the vocabulary).</summary>
    public abstract void Encode(string word, Func<string, int?> resolve, int? unkId, List<int> output);

    public static TokenizerModel Create(JsonElement model)
    {
        if (model.ValueKind != JsonValueKind.Object)
        {
            throw new TokenizerException("tokenizer.json has no \"model\".");
        }
        return InferType(model) switch
        {
            "BPE" => new BpeModel(model),
            "WordPiece" => new WordPieceModel(model),
            "Unigram" => new UnigramModel(model),
            "WordLevel" => new WordLevelModel(model),
            var type => throw new TokenizerException(
                $"The model type '{type ?? "(none)"}' is not supported (supported: BPE, Unigram, WordPiece, WordLevel)."),
        };
    }

    /// <summary>Old files omit "type"; transformers.js then guesses from the fields, and so do we.</summary>
    private static string? InferType(JsonElement model)
    {
        if (Json.String(model, "type") is string type) return type;
        var vocab = Json.Prop(model, "vocab");
        if (vocab.ValueKind == JsonValueKind.Array) return "Unigram";
        if (Json.Prop(model, "merges").ValueKind == JsonValueKind.Array) return "BPE";
        if (vocab.ValueKind == JsonValueKind.Object && Json.Prop(model, "continuing_subword_prefix").ValueKind != JsonValueKind.Undefined) return "WordPiece";
        return vocab.ValueKind == JsonValueKind.Object ? "WordLevel" : null;
    }

    private const int MaxCachedWordLength = 256;
    private const int MaxCacheEntries = 200_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int[]> cache = new(StringComparer.Ordinal);

    /// <summary>
    /// Encodes through a per-word cache: words repeat in text, and a word's ids depend only on the word (the added
    /// tokens and the unknown token are fixed for the tokenizer's lifetime).
    /// </summary>
    protected void EncodeCached(string word, List<int> output, Action<string, List<int>> encode)
    {
        if (word.Length >= MaxCachedWordLength)
        {
            encode(word, output);
            return;
        }
        if (this.cache.TryGetValue(word, out int[]? cached))
        {
            output.AddRange(cached);
            return;
        }
        int before = output.Count;
        encode(word, output);
        if (this.cache.Count >= MaxCacheEntries) this.cache.Clear();
        this.cache[word] = output.GetRange(before, output.Count - before).ToArray();
    }

    /// <summary>Reads a {"token": id} vocabulary into <see cref="Vocab"/>.</summary>
    protected void ReadObjectVocab(JsonElement config, string modelName)
    {
        var vocab = Json.Prop(config, "vocab");
        if (vocab.ValueKind != JsonValueKind.Object)
        {
            throw new TokenizerException($"The {modelName} model in tokenizer.json has no \"vocab\" object.");
        }
        foreach (var entry in vocab.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
            {
                throw new TokenizerException($"The {modelName} vocab entry '{entry.Name}' does not have a non-negative integer id.");
            }
            Vocab[entry.Name] = id;
        }
    }
}

/// <summary>A word-to-id table: each pre-token is one token, or the unknown token (Rust tokenizers' WordLevel).</summary>
internal sealed class WordLevelModel : TokenizerModel
{
    public WordLevelModel(JsonElement config)
    {
        ReadObjectVocab(config, "WordLevel");
        UnkToken = Json.String(config, "unk_token");
    }

    public override void Encode(string word, Func<string, int?> resolve, int? unkId, List<int> output)
    {
        if (word.Length == 0) return;
        if (resolve(word) is int id) output.Add(id);
        else if (unkId is int unk) output.Add(unk);
        else throw new TokenizerException($"'{word}' is not in the WordLevel vocabulary and the model has no unk_token.");
    }
}

/// <summary>
/// BERT's WordPiece: greedy longest match from the left, continuation pieces carrying the prefix ("##"); a word with
/// a piece that matches nothing, or longer than max_input_chars_per_word code points, is the unknown token.
/// </summary>
internal sealed class WordPieceModel : TokenizerModel
{
    private readonly string prefix;
    private readonly int maxChars;

    public WordPieceModel(JsonElement config)
    {
        ReadObjectVocab(config, "WordPiece");
        UnkToken = Json.String(config, "unk_token");
        // transformers.js concatenates the prefix as it is: a missing one reads "undefined", which no vocabulary has.
        this.prefix = Json.String(config, "continuing_subword_prefix") ?? "undefined";
        maxChars = Json.Int(config, "max_input_chars_per_word") ?? 100;
    }

    public override void Encode(string word, Func<string, int?> resolve, int? unkId, List<int> output)
    {
        if (word.Length == 0) return;
        EncodeCached(word, output, (w, o) => EncodeWord(w, resolve, unkId, o));
    }

    private void EncodeWord(string word, Func<string, int?> resolve, int? unkId, List<int> output)
    {
        // Boundaries of code points: transformers.js spreads the word into code points.
        var bounds = new List<int>(word.Length + 1);
        for (int i = 0; i < word.Length; i += char.IsSurrogatePair(word, i) ? 2 : 1) bounds.Add(i);
        bounds.Add(word.Length);
        int chars = bounds.Count - 1;
        if (chars > maxChars)
        {
            AddUnknown(unkId, output);
            return;
        }
        int before = output.Count;
        int start = 0;
        while (start < chars)
        {
            int end = chars;
            int? found = null;
            while (start < end)
            {
                string piece = word[bounds[start]..bounds[end]];
                if (resolve(start > 0 ? this.prefix + piece : piece) is int id)
                {
                    found = id;
                    break;
                }
                end--;
            }
            if (found is not int match)
            {
                output.RemoveRange(before, output.Count - before);
                AddUnknown(unkId, output);
                return;
            }
            output.Add(match);
            start = end;
        }
    }

    private void AddUnknown(int? unkId, List<int> output)
    {
        if (unkId is int unk) output.Add(unk);
        else if (UnkToken is not null) throw new TokenizerException($"The WordPiece unk_token '{UnkToken}' is not in the vocabulary.");
    }
}
