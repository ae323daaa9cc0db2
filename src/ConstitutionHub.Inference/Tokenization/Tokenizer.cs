using System.Text.Json;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>
/// A Hugging Face tokenizer.json (BPE, Unigram, WordPiece or WordLevel model) that encodes and decodes exactly as transformers.js does:
/// added tokens are split out first, then normalizer, pre-tokenizer, model and post-processor run in turn.
/// </summary>
/// <remarks>Instances are immutable apart from an internal word cache and safe to share between threads.</remarks>
public sealed class Tokenizer
{
    private readonly Normalizer? normalizer;
    private readonly PreTokenizer? preTokenizer;
    private readonly TokenizerModel model;
    private readonly PostProcessor? postProcessor;
    private readonly Decoder? decoder;
    private readonly Dictionary<string, AddedToken> addedByText = new(StringComparer.Ordinal);
    private readonly HashSet<string> specialTokens = new(StringComparer.Ordinal);
    private readonly HashSet<int> specialIds = [];
    private readonly AddedTokenSplitter unnormalizedSplitter;
    private readonly AddedTokenSplitter normalizedSplitter;
    private readonly string?[] idToToken;
    private readonly int? unkId;
    private readonly Func<string, int?> resolve;

    /// <summary>
    /// Ids of a pre-token by its slice of the input, for BPE behind a pre-tokenizer that only slices (and maps to
    /// the byte-level alphabet): the common case of chat models, and most of the encoding time.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int[]> sliceCache = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> sliceLookup;
    private const int MaxCachedSliceLength = 256;
    private const int MaxCachedSlices = 200_000;

    private Tokenizer(JsonElement root, JsonElement? config)
    {
        this.normalizer = Normalizer.Create(Json.Prop(root, "normalizer"));
        preTokenizer = PreTokenizer.Create(Json.Prop(root, "pre_tokenizer"));
        this.model = TokenizerModel.Create(Json.Prop(root, "model"));
        postProcessor = PostProcessor.Create(Json.Prop(root, "post_processor"));

        var unnormalized = new List<string>();
        var normalized = new List<string>();
        var addedContents = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in Json.Array(root, "added_tokens"))
        {
            AddedToken token = ReadAddedToken(entry);
            // As in transformers.js, an added token overrides whatever the model vocabulary had for its content.
            this.model.Vocab[token.Content] = token.Id;
            addedContents.Add(token.Content);
            if (token.Special)
            {
                specialTokens.Add(token.Content);
                specialIds.Add(token.Id);
            }
            addedByText[token.Content] = token;
            if (token.Normalized && this.normalizer is not null)
            {
                string normalizedContent = this.normalizer.Normalize(token.Content);
                normalized.Add(normalizedContent);
                addedByText[normalizedContent] = token;
            }
            else
            {
                unnormalized.Add(token.Content);
            }
        }
        if (config is JsonElement cfg)
        {
            foreach (var extra in Json.Array(cfg, "additional_special_tokens"))
            {
                string? content = extra.ValueKind == JsonValueKind.String ? extra.GetString() : Json.String(extra, "content");
                if (content is not null) specialTokens.Add(content);
            }
            CleanUpTokenizationSpaces = Json.Bool(cfg, "clean_up_tokenization_spaces") ?? true;
        }
        unnormalizedSplitter = new AddedTokenSplitter(unnormalized);
        normalizedSplitter = new AddedTokenSplitter(normalized);
        this.decoder = Decoder.Create(Json.Prop(root, "decoder"), addedContents);

        int size = 0;
        foreach (int id in this.model.Vocab.Values) size = Math.Max(size, id + 1);
        idToToken = new string?[size];
        foreach (var (token, id) in this.model.Vocab) idToToken[id] = token;

        resolve = Resolve;
        sliceLookup = sliceCache.GetAlternateLookup<ReadOnlySpan<char>>();
        unkId = this.model.UnkToken is null ? null : Resolve(this.model.UnkToken);
        EnableMetaspaceSplitting(preTokenizer);
    }

    /// <summary>Number of ids, i.e. the highest id in the vocabulary or added tokens plus one.</summary>
    public int VocabSize => idToToken.Length;

    /// <summary>transformers.js reads this from tokenizer_config.json and defaults to true; it removes spaces before punctuation on decode.</summary>
    public bool CleanUpTokenizationSpaces { get; } = true;

    internal Decoder? DecoderForStreaming => this.decoder;

    /// <summary>
    /// Loads tokenizer.json. A tokenizer_config.json beside it, when present, supplies clean_up_tokenization_spaces
    /// and additional_special_tokens, as transformers.js reads them.
    /// </summary>
    public static Tokenizer Load(string tokenizerJsonPath)
    {
        JsonDocument doc = ReadJson(tokenizerJsonPath, "tokenizer.json");
        JsonDocument? configDoc = null;
        string configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(tokenizerJsonPath)) ?? ".", "tokenizer_config.json");
        if (File.Exists(configPath))
        {
            configDoc = ReadJson(configPath, "tokenizer_config.json");
        }
        try
        {
            return new Tokenizer(doc.RootElement, configDoc?.RootElement);
        }
        catch (TokenizerException e)
        {
            throw new TokenizerException($"{tokenizerJsonPath}: {e.Message}", e);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or KeyNotFoundException or ArgumentException)
        {
            throw new TokenizerException($"{tokenizerJsonPath}: malformed tokenizer file ({e.Message})", e);
        }
        finally
        {
            doc.Dispose();
            configDoc?.Dispose();
        }
    }

    /// <summary>Creates a tokenizer from tokenizer.json text (and optionally tokenizer_config.json text).</summary>
    public static Tokenizer FromJson(string tokenizerJson, string? tokenizerConfigJson = null)
    {
        try
        {
            using var doc = JsonDocument.Parse(tokenizerJson);
            using var cfg = tokenizerConfigJson is null ? null : JsonDocument.Parse(tokenizerConfigJson);
            return new Tokenizer(doc.RootElement, cfg?.RootElement);
        }
        catch (JsonException e)
        {
            throw new TokenizerException($"The tokenizer JSON is not valid JSON: {e.Message}", e);
        }
    }

    private static JsonDocument ReadJson(string path, string what)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TokenizerException($"Cannot read {what} at {path}: {e.Message}", e);
        }
        catch (JsonException e)
        {
            throw new TokenizerException($"{path} is not valid JSON: {e.Message}", e);
        }
    }

    private static AddedToken ReadAddedToken(JsonElement e)
    {
        string content = Json.String(e, "content") ?? throw new TokenizerException("An added token has no \"content\".");
        int id = Json.Int(e, "id") ?? throw new TokenizerException($"The added token '{content}' has no integer \"id\".");
        if (id < 0)
        {
            throw new TokenizerException($"The added token '{content}' has a negative id.");
        }
        bool special = Json.Bool(e, "special") ?? false;
        return new AddedToken(content, id, special,
            Normalized: Json.Bool(e, "normalized") ?? !special,
            LStrip: Json.Bool(e, "lstrip") ?? false,
            RStrip: Json.Bool(e, "rstrip") ?? false,
            SingleWord: Json.Bool(e, "single_word") ?? false);
    }

    private void EnableMetaspaceSplitting(PreTokenizer? pre)
    {
        if (pre is SequencePreTokenizer seq)
        {
            foreach (var step in seq.Steps) EnableMetaspaceSplitting(step);
        }
        else if (pre is MetaspacePreTokenizer meta && this.model is BpeModel { IgnoreMerges: false } bpe && meta.Replacement.Length > 0)
        {
            bool crossesWords = false;
            foreach (string merged in bpe.MergedStrings)
            {
                if (merged.IndexOf(meta.Replacement, 1, StringComparison.Ordinal) > 0)
                {
                    crossesWords = true;
                    break;
                }
            }
            meta.SplitAtReplacement = !crossesWords;
        }
    }

    /// <summary>Token string to id: added tokens (by content and normalized content) first, then the vocabulary.</summary>
    private int? Resolve(string token)
    {
        if (addedByText.TryGetValue(token, out var added)) return added.Id;
        if (this.model.Vocab.TryGetValue(token, out int id)) return id;
        return null;
    }

    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        List<string> sections = unnormalizedSplitter.Split(text);
        ApplyStrip(sections);
        var pieces = new List<string>();
        var ranges = new List<(int Start, int Length)>();
        for (int i = 0; i < sections.Count; i++)
        {
            string section = sections[i];
            if (section.Length == 0) continue;
            if (addedByText.TryGetValue(section, out var added))
            {
                ids.Add(added.Id);
                continue;
            }
            string normalized = this.normalizer is null ? section : this.normalizer.Normalize(section);
            if (normalized.Length == 0) continue;
            List<string> subsections = normalizedSplitter.Split(normalized);
            ApplyStrip(subsections);
            foreach (string sub in subsections)
            {
                if (sub.Length == 0) continue;
                if (addedByText.TryGetValue(sub, out var addedSub))
                {
                    ids.Add(addedSub.Id);
                    continue;
                }
                int start = ids.Count;
                if (!TryEncodeSlices(sub, ids, ranges))
                {
                    pieces.Clear();
                    if (preTokenizer is null) pieces.Add(sub);
                    else preTokenizer.PreTokenize(sub, i, pieces);
                    foreach (string piece in pieces)
                    {
                        this.model.Encode(piece, resolve, unkId, ids);
                    }
                }
                if (this.model.FuseUnk && unkId is int unk) FuseUnknown(ids, start, unk);
            }
        }
        return postProcessor is null ? ids : postProcessor.Process(ids, addSpecialTokens, resolve);
    }

    /// <summary>The fast path: BPE over slices of the text, each looked up by its span before anything is allocated.</summary>
    private bool TryEncodeSlices(string text, List<int> ids, List<(int Start, int Length)> ranges)
    {
        ranges.Clear();
        if (this.model is not BpeModel || preTokenizer is null || !preTokenizer.TrySplitRanges(text, ranges, out bool byteLevel))
        {
            return false;
        }
        foreach (var (start, length) in ranges)
        {
            var slice = text.AsSpan(start, length);
            if (sliceLookup.TryGetValue(slice, out int[]? cached))
            {
                ids.AddRange(cached);
                continue;
            }
            int before = ids.Count;
            string piece = byteLevel ? ByteLevelPreTokenizer.ToByteLevel(slice) : slice.ToString();
            this.model.Encode(piece, resolve, unkId, ids);
            if (length < MaxCachedSliceLength)
            {
                if (sliceCache.Count >= MaxCachedSlices) sliceCache.Clear();
                sliceLookup[slice] = ids.GetRange(before, ids.Count - before).ToArray();
            }
        }
        return true;
    }

    /// <summary>lstrip/rstrip: an added token swallows the white space on its left/right neighbour.</summary>
    private void ApplyStrip(List<string> parts)
    {
        for (int i = 0; i < parts.Count; i++)
        {
            if (!addedByText.TryGetValue(parts[i], out var token)) continue;
            if (token.LStrip && i > 0) parts[i - 1] = JsText.TrimEnd(parts[i - 1]);
            if (token.RStrip && i < parts.Count - 1) parts[i + 1] = JsText.TrimStart(parts[i + 1]);
        }
    }

    private static void FuseUnknown(List<int> ids, int start, int unk)
    {
        int write = start;
        for (int read = start; read < ids.Count; read++)
        {
            if (ids[read] == unk && write > start && ids[write - 1] == unk) continue;
            ids[write++] = ids[read];
        }
        ids.RemoveRange(write, ids.Count - write);
    }

    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return DecodeRange(ids, 0, ids.Count, skipSpecialTokens);
    }

    internal string DecodeRange(IReadOnlyList<int> ids, int start, int end, bool skipSpecialTokens)
    {
        var tokens = new List<string>(end - start);
        for (int i = start; i < end; i++)
        {
            int id = ids[i];
            string? token = id >= 0 && id < idToToken.Length ? idToToken[id] : null;
            token ??= this.model.UnkToken;
            if (token is null) continue;
            if (skipSpecialTokens && specialTokens.Contains(token)) continue;
            tokens.Add(token);
        }
        string decoded = this.decoder is null ? string.Join(" ", tokens) : string.Concat(this.decoder.DecodeChain(tokens));
        if (this.decoder is not null && this.model.EndOfWordSuffix is string suffix)
        {
            decoded = decoded.Replace(suffix, " ", StringComparison.Ordinal);
            if (skipSpecialTokens) decoded = JsText.Trim(decoded);
        }
        if (CleanUpTokenizationSpaces)
        {
            decoded = CleanUpTokenization(decoded);
        }
        return decoded;
    }

    /// <summary>transformers.js clean_up_tokenization: removes the space before punctuation and English contractions.</summary>
    internal static string CleanUpTokenization(string text)
    {
        if (!text.Contains(' ')) return text;
        return text.Replace(" .", ".", StringComparison.Ordinal).Replace(" ?", "?", StringComparison.Ordinal)
            .Replace(" !", "!", StringComparison.Ordinal).Replace(" ,", ",", StringComparison.Ordinal)
            .Replace(" ' ", "'", StringComparison.Ordinal).Replace(" n't", "n't", StringComparison.Ordinal)
            .Replace(" 'm", "'m", StringComparison.Ordinal).Replace(" 's", "'s", StringComparison.Ordinal)
            .Replace(" 've", "'ve", StringComparison.Ordinal).Replace(" 're", "'re", StringComparison.Ordinal);
    }

    public StreamingDecoder CreateStreamingDecoder(bool skipSpecialTokens = false) => new(this, skipSpecialTokens);

    /// <summary>The id of a token string (vocabulary or added token), or null.</summary>
    public int? TokenToId(string token) => this.model.Vocab.TryGetValue(token, out int id) ? id : null;

    public string? IdToToken(int id) => id >= 0 && id < idToToken.Length ? idToToken[id] : null;

    /// <summary>True for added tokens marked special (the ones skipSpecialTokens removes).</summary>
    public bool IsSpecial(int id) => specialIds.Contains(id);
}
