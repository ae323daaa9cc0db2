using System.Text.Json;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>
/// SentencePiece's Unigram model: the segmentation of each pre-token with the highest total log-probability (Viterbi
/// over every vocabulary piece that starts at each code point), as transformers.js computes it.
/// </summary>
/// <remarks>
/// transformers.js gives the unknown token the lowest score minus 10, always fuses runs of unknown characters, keeps
/// the first of equally good segmentations (pieces are tried shortest first), and ignores byte_fallback; so do we.
/// </remarks>
internal sealed class UnigramModel : TokenizerModel
{
    private readonly double[] scores;
    private readonly HashSet<string> pieces = new(StringComparer.Ordinal);
    private readonly int maxPieceLength;
    private readonly double unkScore;
    private readonly int? unkIndex;

    public UnigramModel(JsonElement config)
    {
        var vocab = Json.Prop(config, "vocab");
        if (vocab.ValueKind != JsonValueKind.Array)
        {
            throw new TokenizerException("The Unigram model in tokenizer.json has no \"vocab\" array.");
        }
        var scores = new List<double>();
        foreach (var entry in vocab.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() != 2 || entry[0].ValueKind != JsonValueKind.String
                || entry[1].ValueKind != JsonValueKind.Number)
            {
                throw new TokenizerException($"The Unigram vocab entry {scores.Count} is not [\"piece\", score].");
            }
            string piece = entry[0].GetString()!;
            Vocab[piece] = scores.Count;
            this.pieces.Add(piece);
            maxPieceLength = Math.Max(maxPieceLength, piece.Length);
            scores.Add(entry[1].GetDouble());
        }
        if (scores.Count == 0)
        {
            throw new TokenizerException("The Unigram model in tokenizer.json has an empty vocabulary.");
        }
        this.scores = [.. scores];
        unkIndex = Json.Int(config, "unk_id");
        if (unkIndex is int u && (u < 0 || u >= this.scores.Length))
        {
            throw new TokenizerException($"The Unigram unk_id {u} is outside the vocabulary.");
        }
        unkScore = this.scores.Min() - 10;
        if (unkIndex is int unk)
        {
            this.scores[unk] = unkScore;
            UnkToken = vocab[unk][0].GetString();
        }
    }

    public override bool FuseUnk => true;

    public override void Encode(string word, Func<string, int?> resolve, int? unkId, List<int> output)
    {
        if (word.Length == 0) return;
        EncodeCached(word, output, (w, o) => Viterbi(w, resolve, unkId, o));
    }

    private void Viterbi(string word, Func<string, int?> resolve, int? unkId, List<int> output)
    {
        var bounds = new List<int>(word.Length + 1);
        for (int i = 0; i < word.Length; i += char.IsSurrogatePair(word, i) ? 2 : 1) bounds.Add(i);
        bounds.Add(word.Length);
        int n = bounds.Count - 1;

        // best[e]: the best score of a segmentation of the first e code points, reached by the piece from from[e] to e.
        var best = new double[n + 1];
        var from = new int[n + 1];
        var tokenAt = new int?[n + 1];
        var reached = new bool[n + 1];
        reached[0] = true;
        for (int start = 0; start < n; start++)
        {
            if (!reached[start]) continue;
            bool hasSingle = false;
            for (int end = start + 1; end <= n && bounds[end] - bounds[start] <= maxPieceLength; end++)
            {
                string piece = word[bounds[start]..bounds[end]];
                if (!this.pieces.Contains(piece)) continue;
                int? id = resolve(piece);
                double score = id is int i && i < this.scores.Length ? this.scores[i] : double.NaN;
                Offer(start, end, score, id);
                if (end == start + 1) hasSingle = true;
            }
            if (!hasSingle) Offer(start, start + 1, unkScore, null);
        }

        void Offer(int start, int end, double score, int? id)
        {
            double total = best[start] + score;
            // Strictly better only: of equal segmentations the one found first stays, as in transformers.js.
            if (!reached[end] || total > best[end])
            {
                best[end] = total;
                from[end] = start;
                tokenAt[end] = id;
                reached[end] = true;
            }
        }

        var pieces = new List<int?>();
        for (int end = n; end > 0; end = from[end]) pieces.Add(tokenAt[end]);
        pieces.Reverse();
        foreach (int? id in pieces)
        {
            if (id is int known) output.Add(known);
            else if (unkId is int unk) output.Add(unk);
        }
    }
}
