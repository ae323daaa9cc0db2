namespace ConstitutionHub.Inference;

/// <summary>
/// Configuration section "Inference". Everything has a default that works on a fresh machine: the demo model
/// in ./models, the ONNX Runtime native library that ships with the app, the CPU.
/// </summary>
public sealed class InferenceOptions
{
    public const string Section = "Inference";

    /// <summary>Folder whose sub-folders are models in the Hugging Face / Optimum layout.</summary>
    public string ModelsPath { get; set; } = "models";

    /// <summary>"cpu" or "cuda".</summary>
    public string ExecutionProvider { get; set; } = "cpu";

    /// <summary>With "cuda" configured but CUDA unusable here (libraries or device missing): run on the CPU instead of failing.</summary>
    public bool AllowCpuFallback { get; set; }

    public int CudaDeviceId { get; set; }

    /// <summary>Threads inside one operator; 0 lets the runtime choose (one per core).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Generations running at once per model; the rest wait in a queue. A local model runs them together, one forward
    /// pass for all (a batch of up to this many rows).
    /// </summary>
    public int ConcurrentGenerationsPerModel { get; set; } = 8;

    /// <summary>Requests one person may have running or queued at once, across models.</summary>
    public int PerUserLimit { get; set; } = 2;

    /// <summary>Requests waiting per model before new ones are refused with queue_full.</summary>
    public int MaxQueueLength { get; set; } = 64;

    /// <summary>Models served by OpenAI-compatible servers (vLLM, llama.cpp server, Ollama, OpenAI).</summary>
    public List<RemoteModelOptions> Remote { get; set; } = [];
}

/// <summary>One model behind an OpenAI-compatible endpoint. The API key comes from configuration or the environment, never the repository.</summary>
public sealed class RemoteModelOptions
{
    /// <summary>Id in our catalog.</summary>
    public string Id { get; set; } = "";

    /// <summary>Base address including /v1, e.g. http://gpu-worker:8000/v1.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>The model name the remote server expects; defaults to <see cref="Id"/>.</summary>
    public string? RemoteModel { get; set; }

    public string? ApiKey { get; set; }

    public int ContextLength { get; set; } = 4096;
}

/// <summary>A model folder the scanner looked at: its catalog entry, and the model when it loaded.</summary>
public sealed record LoadedModel(ModelInfo Info, IChatModel? Model);

/// <summary>Finds and loads the local (ONNX) models. One broken folder never stops the others from loading.</summary>
public interface ILocalModelScanner
{
    IReadOnlyList<LoadedModel> Scan(InferenceOptions options);
}
