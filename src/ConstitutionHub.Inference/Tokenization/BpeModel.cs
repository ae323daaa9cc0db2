using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>
/// The BPE model of tokenizer.json. Merges work on interned symbol ids; a symbol always covers a contiguous slice of
/// the word, so token strings are taken from the word only when the result is known.
/// </summary>
/// <remarks>
/// transformers.js merges the pair with the lowest rank first and breaks ties by the leftmost position (its queue
/// scores rank + position / length); both merge loops below follow the same order. Merged strings need not be in the
/// vocabulary: such a token then falls back to bytes or to the unknown token, as in transformers.js.
/// </remarks>
internal sealed class BpeModel : TokenizerModel
{
    private const int MaxCachedWordLength = 256;
    private const int MaxCacheEntries = 200_000;

    private readonly Dictionary<string, int> symbols = new(StringComparer.Ordinal);
    private readonly int[] bmpSymbol = new int[65536];
    private readonly Dictionary<long, int> mergeRank = [];
    private readonly List<int> mergeResult = [];
    private readonly ConcurrentDictionary<string, int[]> cache = new(StringComparer.Ordinal);
    private readonly string? endOfWordSuffix;
    private readonly string? continuingSubwordSuffix;
    private readonly string?[] byteTokens = new string?[256];

    public BpeModel(JsonElement config)
    {
        ReadObjectVocab(config, "BPE");
        UnkToken = Json.String(config, "unk_token");
        string? eow = Json.String(config, "end_of_word_suffix");
        endOfWordSuffix = string.IsNullOrEmpty(eow) ? null : eow;
        string? csw = Json.String(config, "continuing_subword_suffix");
        continuingSubwordSuffix = string.IsNullOrEmpty(csw) ? null : csw;
        ByteFallback = Json.Bool(config, "byte_fallback") ?? false;
        IgnoreMerges = Json.Bool(config, "ignore_merges") ?? false;
        fuseUnk = Json.Bool(config, "fuse_unk") ?? false;
        if (Json.Prop(config, "dropout").ValueKind == JsonValueKind.Number && Json.Prop(config, "dropout").GetDouble() > 0)
        {
            throw new TokenizerException("BPE dropout is not supported.");
        }
        Array.Fill(bmpSymbol, -1);
        LoadMerges(Json.Prop(config, "merges"));
        splitBeforeMetaspace = !IgnoreMerges && endOfWordSuffix is null && continuingSubwordSuffix is null
            && !MergedStrings.Any(m => m.IndexOf('\u2581', 1) > 0);
    }

    /// <summary>
    /// True when no merge produces a string with U+2581 after its first character: then no token can span the
    /// position before a U+2581, and a long SentencePiece word (a whole sentence when there is no pre-tokenizer)
    /// can be cut there and merged piece by piece, with the same result and the word cache working.
    /// </summary>
    private readonly bool splitBeforeMetaspace;

    public bool ByteFallback { get; }
    public bool IgnoreMerges { get; }
    private readonly bool fuseUnk;
    public override bool FuseUnk => fuseUnk;
    public override string? EndOfWordSuffix => endOfWordSuffix;
    public int MergeCount => mergeResult.Count;

    /// <summary>Strings produced by merges, used to decide whether Metaspace pre-tokens may be split safely.</summary>
    public IEnumerable<string> MergedStrings
    {
        get
        {
            var byId = new string[this.symbols.Count];
            foreach (var (s, id) in this.symbols) byId[id] = s;
            foreach (int r in mergeResult) yield return byId[r];
        }
    }

    private void LoadMerges(JsonElement merges)
    {
        if (merges.ValueKind != JsonValueKind.Array)
        {
            throw new TokenizerException("The BPE model in tokenizer.json has no \"merges\" array.");
        }
        int rank = 0;
        foreach (var merge in merges.EnumerateArray())
        {
            string left, right;
            if (merge.ValueKind == JsonValueKind.String)
            {
                // transformers.js: x.split(" ", 2), i.e. the text before the first space and up to the second one.
                string s = merge.GetString()!;
                int sp = s.IndexOf(' ');
                if (sp < 0)
                {
                    throw new TokenizerException($"The BPE merge \"{s}\" (rank {rank}) is not two space-separated symbols.");
                }
                left = s[..sp];
                int sp2 = s.IndexOf(' ', sp + 1);
                right = sp2 < 0 ? s[(sp + 1)..] : s[(sp + 1)..sp2];
            }
            else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
                     && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
            {
                left = merge[0].GetString()!;
                right = merge[1].GetString()!;
            }
            else
            {
                throw new TokenizerException($"The BPE merge at rank {rank} is neither \"a b\" nor [\"a\", \"b\"].");
            }
            long key = ((long)Intern(left) << 32) | (uint)Intern(right);
            // Duplicate merges keep the later rank, as transformers.js builds its rank map in order.
            mergeRank[key] = rank;
            mergeResult.Add(Intern(left + right));
            rank++;
        }
    }

    private int Intern(string s)
    {
        if (!this.symbols.TryGetValue(s, out int id))
        {
            id = this.symbols.Count;
            this.symbols[s] = id;
            if (s.Length == 1)
            {
                bmpSymbol[s[0]] = id;
            }
        }
        return id;
    }

    /// <summary>Encodes one pre-token, appending ids through <paramref name="resolve"/>.</summary>
    public override void Encode(string word, Func<string, int?> resolve, int? unkId, List<int> output)
    {
        if (word.Length == 0)
        {
            return;
        }
        if (splitBeforeMetaspace && word.Length > 32)
        {
            int start = 0;
            for (int next = word.IndexOf('\u2581', 1); next > 0; next = word.IndexOf('\u2581', next + 1))
            {
                EncodeWord(word[start..next], resolve, unkId, output);
                start = next;
            }
            EncodeWord(start == 0 ? word : word[start..], resolve, unkId, output);
            return;
        }
        EncodeWord(word, resolve, unkId, output);
    }

    private void EncodeWord(string word, Func<string, int?> resolve, int? unkId, List<int> output)
    {
        if (word.Length == 0)
        {
            return;
        }
        if (IgnoreMerges && resolve(word) is int whole)
        {
            output.Add(whole);
            return;
        }
        if (word.Length < MaxCachedWordLength && this.cache.TryGetValue(word, out int[]? cached))
        {
            output.AddRange(cached);
            return;
        }
        int before = output.Count;
        foreach (string token in Merge(word))
        {
            if (resolve(token) is int id)
            {
                output.Add(id);
            }
            else if (ByteFallback && TryByteFallback(token, resolve, output))
            {
            }
            else if (UnkToken is not null && unkId is int unk)
            {
                output.Add(unk);
            }
        }
        if (word.Length < MaxCachedWordLength)
        {
            if (this.cache.Count >= MaxCacheEntries)
            {
                this.cache.Clear();
            }
            this.cache[word] = output.GetRange(before, output.Count - before).ToArray();
        }
    }

    private bool TryByteFallback(string token, Func<string, int?> resolve, List<int> output)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(token);
        Span<int> ids = bytes.Length <= 64 ? stackalloc int[bytes.Length] : new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            string name = byteTokens[bytes[i]] ??= $"<0x{bytes[i]:X2}>";
            if (resolve(name) is not int id)
            {
                return false;
            }
            ids[i] = id;
        }
        foreach (int id in ids) output.Add(id);
        return true;
    }

    /// <summary>Applies the merges to one word and returns the resulting token strings.</summary>
    internal List<string> Merge(string word)
    {
        // Split into code points; each becomes a symbol with its interned id (-1 when no merge mentions it).
        int n = 0;
        var start = new int[word.Length + 1];
        var sym = new int[word.Length];
        for (int i = 0; i < word.Length;)
        {
            int len = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            start[n] = i;
            sym[n] = len == 1 ? bmpSymbol[word[i]] : (this.symbols.TryGetValue(word.Substring(i, 2), out int s) ? s : -1);
            n++;
            i += len;
        }
        start[n] = word.Length;
        if (endOfWordSuffix is not null)
        {
            string last = word[start[n - 1]..] + endOfWordSuffix;
            sym[n - 1] = this.symbols.TryGetValue(last, out int s) ? s : -1;
        }

        // Linked list over symbol slots: next[i] is the following live slot, -1 at the end.
        var next = new int[n];
        var prev = new int[n];
        for (int i = 0; i < n; i++)
        {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }

        if (n > 1)
        {
            if (n <= 48)
            {
                MergeByScanning(sym, next, prev);
            }
            else
            {
                MergeWithQueue(sym, next, prev, n);
            }
        }

        var result = new List<string>();
        for (int i = 0; i >= 0; i = next[i])
        {
            int end = next[i] < 0 ? word.Length : start[next[i]];
            string token = word[start[i]..end];
            if (next[i] < 0 && endOfWordSuffix is not null)
            {
                token += endOfWordSuffix;
            }
            result.Add(token);
        }
        if (continuingSubwordSuffix is not null)
        {
            for (int i = 0; i < result.Count - 1; i++) result[i] += continuingSubwordSuffix;
        }
        return result;
    }

    private int Rank(int left, int right)
    {
        if (left < 0 || right < 0)
        {
            return -1;
        }
        return mergeRank.TryGetValue(((long)left << 32) | (uint)right, out int r) ? r : -1;
    }

    private void Join(int left, int[] sym, int[] next, int[] prev, int rank)
    {
        int right = next[left];
        sym[left] = mergeResult[rank];
        next[left] = next[right];
        if (next[right] >= 0)
        {
            prev[next[right]] = left;
        }
        next[right] = -2; // dead
    }

    private void MergeByScanning(int[] sym, int[] next, int[] prev)
    {
        while (true)
        {
            int bestRank = int.MaxValue;
            int bestLeft = -1;
            for (int i = 0; next[i] >= 0; i = next[i])
            {
                int r = Rank(sym[i], sym[next[i]]);
                if (r >= 0 && r < bestRank)
                {
                    bestRank = r;
                    bestLeft = i;
                }
            }
            if (bestLeft < 0)
            {
                return;
            }
            Join(bestLeft, sym, next, prev, bestRank);
        }
    }

    private void MergeWithQueue(int[] sym, int[] next, int[] prev, int n)
    {
        // Priority: rank, then original position of the left slot (slots keep their position when merged).
        var queue = new PriorityQueue<(int Left, int LeftSym, int RightSym), long>();
        void Push(int left)
        {
            int right = next[left];
            if (right < 0) return;
            int r = Rank(sym[left], sym[right]);
            if (r >= 0) queue.Enqueue((left, sym[left], sym[right]), ((long)r << 32) | (uint)left);
        }
        for (int i = 0; i < n - 1; i++) Push(i);
        while (queue.TryDequeue(out var item, out long priority))
        {
            int left = item.Left;
            int right = next[left];
            if (right < 0 || sym[left] != item.LeftSym || sym[right] != item.RightSym)
            {
                continue; // stale entry
            }
            Join(left, sym, next, prev, (int)(priority >> 32));
            if (prev[left] >= 0) Push(prev[left]);
            Push(left);
        }
    }
}
