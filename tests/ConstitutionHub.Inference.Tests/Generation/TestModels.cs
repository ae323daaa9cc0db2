using System.Text.Json;
using ConstitutionHub.Inference.Generation;
using ConstitutionHub.Inference.Models;
using ConstitutionHub.Inference.Runtime;
using ConstitutionHub.Inference.Tests.Tokenization;

namespace ConstitutionHub.Inference.Tests.Generation;

/// <summary>
/// The fixture graphs of Runtime/fixtures and throwaway model folders built from them. The tiny decoder's
/// greedy choice after token i is <see cref="Next"/>(i), so every reply is known in advance.
/// </summary>
internal static class TestModels
{
    public const int EndOfTurn = 2902; // <|im_end|> of tests/tokenizers/demo-qwen2

    public static string Fixture(string name) => Golden.Path("tests", "ConstitutionHub.Inference.Tests", "Runtime", "fixtures", name);

    public static int Next(int token) => token == 2899 ? EndOfTurn : (token * 7 + 3) % 2900;

    /// <summary>A model folder in a fresh temporary directory: the tiny decoder with the demo-qwen2 tokenizer.</summary>
    public static string TinyModelFolder(string graph = "tiny-decoder.onnx", int contextLength = 64, Action<string>? tweak = null)
    {
        string dir = Path.Combine(Path.GetTempPath(), "ch-model-" + Guid.NewGuid().ToString("N"), "tiny");
        Directory.CreateDirectory(Path.Combine(dir, "onnx"));
        File.Copy(Fixture(graph), Path.Combine(dir, "onnx", "model.onnx"));
        File.Copy(Golden.Path("tests", "tokenizers", "demo-qwen2", "tokenizer.json"), Path.Combine(dir, "tokenizer.json"));
        File.Copy(Golden.Path("tests", "tokenizers", "demo-qwen2", "tokenizer_config.json"), Path.Combine(dir, "tokenizer_config.json"));
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(new
        {
            model_type = "qwen2",
            hidden_size = 16,
            num_attention_heads = 1,
            num_hidden_layers = 2,
            max_position_embeddings = contextLength,
            vocab_size = 2903,
            tie_word_embeddings = false,
            eos_token_id = EndOfTurn,
            some_future_field = new { nested = true },
        }));
        tweak?.Invoke(dir);
        return dir;
    }

    public static LocalChatModel Open(string folder, string? weightsFile = null, int threads = 1, int maxBatch = 8) =>
        LocalChatModel.Open(ModelFolder.Open(folder, new ModelFolderLimits(), weightsFile), new SessionSettings(IntraOpThreads: threads, MaxBatch: maxBatch));

    /// <summary>A session over a graph file with its decoder shape and a batch on it, for tests below the engine.</summary>
    public sealed class Decoder : IDisposable
    {
        public Decoder(string onnxFile, ModelConfig config)
        {
            var settings = new SessionSettings(IntraOpThreads: 1);
            Session = OnnxSession.Open(onnxFile, settings);
            Graph = DecoderGraph.Inspect(Session.Inputs, Session.Outputs, config);
            Ops = new KvCacheOps(Graph.KvType, settings, Session.DeviceMemory);
        }

        public OnnxSession Session { get; }
        public DecoderGraph Graph { get; }
        public KvCacheOps Ops { get; }

        public DecoderBatch NewBatch() => new(Session, Graph, Ops);

        public void Dispose()
        {
            Ops.Dispose();
            Session.Dispose();
        }
    }

    /// <summary>Runs a generation to the end and returns its updates and the ids it produced.</summary>
    public static (List<GenerationUpdate> Updates, List<int> Ids) Run(LocalChatModel model, IReadOnlyList<int> prompt, SamplingSettings sampling, CancellationToken cancel = default, Action<GenerationUpdate>? onUpdate = null)
    {
        var updates = new List<GenerationUpdate>();
        var ids = new List<int>();
        model.Generate(prompt, sampling, ignoreEos: false, u => { updates.Add(u); onUpdate?.Invoke(u); }, cancel, ids.Add);
        return (updates, ids);
    }

    public static async Task<List<GenerationUpdate>> CollectAsync(IAsyncEnumerable<GenerationUpdate> stream)
    {
        var list = new List<GenerationUpdate>();
        await foreach (var u in stream) list.Add(u);
        return list;
    }
}
