#:project ../../src/ConstitutionHub.Inference/ConstitutionHub.Inference.csproj
#:package Microsoft.ML.Tokenizers@2.0.1
#:property ManagePackageVersionsCentrally=false
#:property PublishAot=false
// Encoding throughput of ConstitutionHub.Inference.Tokenization against Microsoft.ML.Tokenizers 2.0.1's BpeTokenizer,
// built from the same tokenizer.json (vocabulary, merges, pre-tokenizer regex, special tokens), on a corpus file of
// paragraphs separated by "\u0001". Invoked by tokenizer-peer.mjs, which also runs transformers.js and prints ratios.
//   dotnet run -c Release bench/inference/tokenizer-bench.cs -- <corpus> <passes> <tokenizer.json>...
// Prints one JSON line per tokenizer: name, bytes, and for "ours" and "mlt" the token count, a hash of every id in
// order (FNV-1a, the same as the script computes for transformers.js) and the CPU seconds of each pass. Passes
// alternate between the two (A/B), each with a freshly built tokenizer, so the word caches start empty every time.
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using Ours = ConstitutionHub.Inference.Tokenization.Tokenizer;

string[] paragraphs = File.ReadAllText(args[0]).Split('\u0001');
int passes = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
long bytes = paragraphs.Sum(p => (long)Encoding.UTF8.GetByteCount(p));

foreach (string path in args.Skip(2))
{
    string name = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path)))!;
    Func<Func<string, IReadOnlyList<int>>> ours = () => { var t = Ours.Load(path); return text => t.Encode(text); };
    Func<Func<string, IReadOnlyList<int>>>? mlt = null;
    string? mltError = null;
    try
    {
        MlTokenizers.Create(path); // refuses, before any timing, a file it has no equivalent for
        mlt = () => { var t = MlTokenizers.Create(path); return text => t.EncodeToIds(text, considerPreTokenization: true, considerNormalization: true); };
    }
    catch (NotSupportedException e)
    {
        mltError = e.Message;
    }

    // Warm-up: two full passes each, so that tiered compilation has promoted both sides' hot code before any pass
    // is timed (with a short warm-up the first timed passes ran partly unoptimized and the figures drifted).
    for (int i = 0; i < 2; i++)
    {
        Measure(ours(), paragraphs);
        if (mlt is not null) Measure(mlt(), paragraphs);
    }

    var oursRuns = new List<Run>();
    var mltRuns = new List<Run>();
    for (int pass = 0; pass < passes; pass++)
    {
        // Alternate which side goes first, so that neither always runs on the warmer (or busier) half.
        if (pass % 2 == 0 || mlt is null)
        {
            oursRuns.Add(Measure(ours(), paragraphs));
            if (mlt is not null) mltRuns.Add(Measure(mlt(), paragraphs));
        }
        else
        {
            mltRuns.Add(Measure(mlt(), paragraphs));
            oursRuns.Add(Measure(ours(), paragraphs));
        }
    }
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        name,
        bytes,
        ours = Summary(oursRuns),
        mlt = mlt is null ? (object)new { error = mltError } : Summary(mltRuns),
    }));
}

static object Summary(List<Run> runs) => new { tokens = runs[0].Tokens, hash = runs[0].Hash.ToString("x8"), seconds = runs.Select(r => r.Seconds).ToArray() };

static Run Measure(Func<string, IReadOnlyList<int>> encode, IEnumerable<string> paragraphs)
{
    var encoded = new List<IReadOnlyList<int>>();
    var process = Process.GetCurrentProcess();
    var cpu = process.TotalProcessorTime;
    foreach (string p in paragraphs) encoded.Add(encode(p));
    process.Refresh();
    double seconds = (process.TotalProcessorTime - cpu).TotalSeconds;
    // The hash is taken after the clock stops: FNV-1a over the ids, with -1 between paragraphs.
    uint hash = 2166136261;
    long tokens = 0;
    foreach (var ids in encoded)
    {
        foreach (int id in ids) hash = (hash ^ (uint)id) * 16777619;
        hash = (hash ^ uint.MaxValue) * 16777619;
        tokens += ids.Count;
    }
    return new Run(tokens, hash, seconds);
}

internal sealed record Run(long Tokens, uint Hash, double Seconds);

/// <summary>
/// A Microsoft.ML.Tokenizers BpeTokenizer equivalent to a byte-level BPE tokenizer.json. It cannot read the file
/// itself, so the vocabulary, merges, pre-tokenizer and special tokens are taken from it; shapes it cannot express
/// (ignore_merges, byte_fallback, SentencePiece, other models) are refused, and those tokenizers compare with
/// transformers.js only.
/// </summary>
internal static class MlTokenizers
{
    // GPT-2's pattern with JavaScript's white space spelled out, as the byte-level pre-tokenizer uses it.
    private const string Ws = @"\t\n\v\f\r \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF";
    private const string Gpt2 = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^" + Ws + @"\p{L}\p{N}]+|[" + Ws + "]+(?![^" + Ws + "])|[" + Ws + "]+";

    public static BpeTokenizer Create(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var model = root["model"]!.AsObject();
        if ((string?)model["type"] != "BPE") throw new NotSupportedException("not a BPE model");
        if ((bool?)model["ignore_merges"] == true) throw new NotSupportedException("ignore_merges has no equivalent");
        if ((bool?)model["byte_fallback"] == true) throw new NotSupportedException("byte_fallback has no equivalent");
        if (root["decoder"]?["type"]?.GetValue<string>() != "ByteLevel") throw new NotSupportedException("not byte-level");
        var special = root["added_tokens"]!.AsArray().ToDictionary(t => (string)t!["content"]!, t => (int)t!["id"]!);
        var vocab = model["vocab"]!.AsObject().Select(p => KeyValuePair.Create(p.Key, (int)p.Value!)).ToList();
        var merges = model["merges"]!.AsArray().Select(m => m is JsonArray pair ? $"{pair[0]} {pair[1]}" : (string)m!).ToList();
        return BpeTokenizer.Create(new BpeOptions(vocab)
        {
            Merges = merges,
            ByteLevel = true,
            SpecialTokens = special,
            PreTokenizer = PreTokenizerFor(root["pre_tokenizer"], special),
            Normalizer = NormalizerFor(root["normalizer"]),
        });
    }

    private static PreTokenizer PreTokenizerFor(JsonNode? config, IReadOnlyDictionary<string, int> special)
    {
        string type = (string)config!["type"]!;
        if (type == "ByteLevel" && (bool?)config["use_regex"] != false && (bool?)config["add_prefix_space"] != true)
        {
            return Regex(Gpt2, special);
        }
        if (type == "Sequence")
        {
            var steps = config["pretokenizers"]!.AsArray();
            // Split(regex) + ByteLevel(use_regex: false): the regex alone.
            if (steps.Count == 2 && (string?)steps[0]!["type"] == "Split" && (string?)steps[1]!["type"] == "ByteLevel"
                && (bool?)steps[1]!["use_regex"] == false && steps[0]!["pattern"]?["Regex"] is JsonNode pattern)
            {
                return Regex(JsRegex((string)pattern!), special);
            }
            // Digits(individual_digits) + ByteLevel (SmolLM2) as one regex: each ASCII digit alone, then GPT-2's
            // alternatives with the digits taken out, and a digit ending a white-space run as the end of a piece
            // would. (Its CompositePreTokenizer of the two regexes gives other ids.)
            if (steps.Count == 2 && (string?)steps[0]!["type"] == "Digits" && (bool?)steps[0]!["individual_digits"] == true
                && (string?)steps[1]!["type"] == "ByteLevel" && (bool?)steps[1]!["use_regex"] != false)
            {
                return Regex(@"[0-9]|'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?[\p{N}-[0-9]]+| ?[^" + Ws + @"\p{L}\p{N}]+|[" + Ws + "]+(?![^" + Ws + "0-9])|[" + Ws + "]+", special);
            }
        }
        throw new NotSupportedException($"pre_tokenizer {config.ToJsonString()} has no equivalent here");
    }

    /// <summary>\s in tokenizer.json regexes is matched with JavaScript's white space by transformers.js.</summary>
    private static string JsRegex(string pattern) => pattern.Replace(@"[^\s", "[^" + Ws).Replace(@"\s", "[" + Ws + "]");

    private static RegexPreTokenizer Regex(string pattern, IReadOnlyDictionary<string, int>? special) =>
        new(new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant), special);

    private static Normalizer? NormalizerFor(JsonNode? config) => (string?)config?["type"] switch
    {
        null => null,
        "NFC" => new NfcNormalizer(),
        var other => throw new NotSupportedException($"normalizer {other} has no equivalent here"),
    };

    private sealed class NfcNormalizer : Normalizer
    {
        public override string Normalize(string original) => original.Normalize(NormalizationForm.FormC);
        public override string Normalize(ReadOnlySpan<char> original) => original.ToString().Normalize(NormalizationForm.FormC);
    }
}
