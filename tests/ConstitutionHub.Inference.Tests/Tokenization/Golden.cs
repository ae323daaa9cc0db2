using ConstitutionHub.Inference.Tokenization;
using System.Text.Json;

namespace ConstitutionHub.Inference.Tests.Tokenization;

/// <summary>Locates the repository and reads the golden files written by tools/peer/*.mjs (transformers.js).</summary>
internal static class Golden
{
    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "ConstitutionHub.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("ConstitutionHub.sln not found above the test binaries.");
    }

    public static string Path(params string[] parts) => System.IO.Path.Combine([RepoRoot, .. parts]);

    public static IEnumerable<string> TokenizerNames()
    {
        foreach (string file in Directory.GetFiles(Path("tests", "golden"), "tokenizer-*.json").Order(StringComparer.Ordinal))
        {
            string name = System.IO.Path.GetFileNameWithoutExtension(file)["tokenizer-".Length..];
            if (name != "normalization") yield return name;
        }
    }

    public sealed record Case(string Text, int[] Ids, int[] IdsWithSpecial, string Decoded, string DecodedWithSpecial, string DecodedSkipSpecial);

    public sealed record TokenizerGolden(string TokenizerPath, int VocabSize, IReadOnlyList<Case> Cases);

    private static readonly Dictionary<string, TokenizerGolden> Cache = [];
    private static readonly Dictionary<string, Tokenizer> Tokenizers = [];

    public static TokenizerGolden Load(string name)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(name, out var cached)) return cached;
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path("tests", "golden", $"tokenizer-{name}.json")));
            var root = doc.RootElement;
            var cases = root.GetProperty("cases").EnumerateArray().Select(c => new Case(
                c.TryGetProperty("text_utf16", out var units)
                    ? new string(units.EnumerateArray().Select(u => (char)u.GetInt32()).ToArray())
                    : c.GetProperty("text").GetString()!,
                c.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
                c.GetProperty("ids_with_special").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
                c.GetProperty("decoded").GetString()!,
                c.GetProperty("decoded_with_special").GetString()!,
                c.GetProperty("decoded_skip_special").GetString()!)).ToList();
            var golden = new TokenizerGolden(root.GetProperty("tokenizer").GetString()!, root.GetProperty("vocab_size").GetInt32(), cases);
            Cache[name] = golden;
            return golden;
        }
    }

    public static Tokenizer TokenizerFor(string name)
    {
        lock (Tokenizers)
        {
            if (!Tokenizers.TryGetValue(name, out var t))
            {
                t = Tokenizer.Load(Path(Load(name).TokenizerPath.Split('/')));
                Tokenizers[name] = t;
            }
            return t;
        }
    }

    public static IEnumerable<object[]> AllCases()
    {
        foreach (string name in TokenizerNames())
        {
            var golden = Load(name);
            for (int i = 0; i < golden.Cases.Count; i++)
            {
                yield return [name, i];
            }
        }
    }
}
