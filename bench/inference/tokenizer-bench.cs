#:project ../../src/ConstitutionHub.Inference/ConstitutionHub.Inference.csproj
#:property PublishAot=false
// Encoding throughput of ConstitutionHub.Inference.Tokenization on a corpus file of paragraphs separated by
// "\u0001" lines. Invoked by tokenizer-peer.mjs, which runs transformers.js on the same corpus and prints ratios.
// Prints one JSON line per tokenizer: {"name", "bytes", "tokens", "seconds"}, where seconds is the best of three
// passes in process CPU time (the machine is shared, so wall time mostly measures the neighbours).
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ConstitutionHub.Inference.Tokenization;

string corpusPath = args[0];
string[] paragraphs = File.ReadAllText(corpusPath).Split('\u0001');
long bytes = paragraphs.Sum(p => (long)Encoding.UTF8.GetByteCount(p));
foreach (string tokenizerPath in args.Skip(1))
{
    var tokenizer = Tokenizer.Load(tokenizerPath);
    // Warm-up (JIT, regex compilation).
    foreach (string p in paragraphs.Take(200)) tokenizer.Encode(p);
    long tokens = 0;
    double best = double.MaxValue;
    for (int pass = 0; pass < 3; pass++)
    {
        // A fresh tokenizer each pass, so that the word cache starts empty as it does for the peer.
        var fresh = Tokenizer.Load(tokenizerPath);
        tokens = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        foreach (string p in paragraphs) tokens += fresh.Encode(p).Count;
        best = Math.Min(best, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }
    Console.WriteLine(JsonSerializer.Serialize(new { name = Path.GetFileName(Path.GetDirectoryName(tokenizerPath)), bytes, tokens, seconds = best }));
}
