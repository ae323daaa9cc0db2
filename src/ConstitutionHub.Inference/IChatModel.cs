namespace ConstitutionHub.Inference;

/// <summary>
/// A model that runs in this process and answers a conversation token by token with our own sampling settings: the
/// ONNX engine (and the test doubles that stand in for it). The app never calls it directly: the catalog wraps it in
/// <see cref="Serving.ChatModelClient"/>, an <see cref="Microsoft.Extensions.AI.IChatClient"/>, as it wraps remote
/// servers in Microsoft.Extensions.AI.OpenAI's, so chats, experiments and the /v1 surface never care where a model runs.
/// </summary>
public interface IChatModel
{
    ModelInfo Info { get; }

    /// <summary>
    /// Sampling for the fields a request leaves unset: the model's generation_config.json, then OpenAI's defaults, as
    /// vLLM does. Our chat UI always sets every field (its house defaults), so these only reach /v1 callers.
    /// </summary>
    SamplingSettings Defaults => SamplingSettings.OpenAiDefaults;

    /// <summary>
    /// Streams the reply. Updates carry text deltas (never half a UTF-8 character), running token counts and,
    /// while the request waits for a free slot, its queue position. The last update has a
    /// <see cref="GenerationUpdate.FinishReason"/>. Cancelling the token stops generation and frees the slot.
    /// Throws <see cref="InferenceException"/> for anything the caller should show (bad parameters, a prompt
    /// over the context, a broken model, a full per-user limit).
    /// </summary>
    IAsyncEnumerable<GenerationUpdate> StreamAsync(GenerationRequest request, CancellationToken cancellationToken);
}

/// <summary>What to generate: the conversation (system prompt first, if any), sampling and who asks.</summary>
/// <param name="UserId">Used for fairness and per-user limits in the scheduler; any stable string.</param>
/// <param name="Constraint">What the output must be (JSON, a schema, a fixed choice), enforced while generating.</param>
/// <param name="TopLogprobs">Null: no log probabilities; 0: the chosen token's; n: also the n most likely alternatives.</param>
/// <param name="Choices">Independent replies to generate together (OpenAI's n); choice i samples with seed + i.</param>
public sealed record GenerationRequest(
    IReadOnlyList<ChatMessage> Messages,
    SamplingSettings Sampling,
    string UserId,
    OutputConstraintSpec? Constraint = null,
    int? TopLogprobs = null,
    int Choices = 1)
{
    public const int MaxTopLogprobs = 20;
    public const int MaxChoices = 16;
}

/// <summary>
/// Sampling settings. Temperature 0 means greedy. TopK 0, TopP 1 and MinP 0 switch those filters off;
/// RepetitionPenalty 1 is none. A seed makes sampling reproducible.
/// </summary>
public sealed record SamplingSettings(
    double Temperature = 0.7,
    int TopK = 40,
    double TopP = 0.95,
    double MinP = 0.05,
    double RepetitionPenalty = 1.1,
    int MaxNewTokens = 256,
    long? Seed = null,
    IReadOnlyList<string>? StopStrings = null)
{
    public const int MaxStopStrings = 8;
    public const int MaxStopStringLength = 64;
    public const int MaxNewTokensLimit = 4096;

    /// <summary>OpenAI's defaults: temperature 1, no top-k, top-p or min-p cut, no penalty, as long as the context allows.</summary>
    public static readonly SamplingSettings OpenAiDefaults =
        new(Temperature: 1, TopK: 0, TopP: 1, MinP: 0, RepetitionPenalty: 1, MaxNewTokens: MaxNewTokensLimit);

    public static SamplingSettings Greedy(int maxNewTokens = 256) =>
        new(Temperature: 0, TopK: 0, TopP: 1, MinP: 0, RepetitionPenalty: 1, MaxNewTokens: maxNewTokens);

    /// <summary>Throws <see cref="InferenceException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (!double.IsFinite(Temperature) || Temperature < 0 || Temperature > 5)
            throw new InferenceException("invalid_sampling", "temperature must be between 0 and 5.", "temperature");
        if (TopK < 0 || TopK > 100_000)
            throw new InferenceException("invalid_sampling", "top_k must be between 0 (off) and 100000.", "top_k");
        if (!double.IsFinite(TopP) || TopP <= 0 || TopP > 1)
            throw new InferenceException("invalid_sampling", "top_p must be greater than 0 and at most 1.", "top_p");
        if (!double.IsFinite(MinP) || MinP < 0 || MinP >= 1)
            throw new InferenceException("invalid_sampling", "min_p must be at least 0 and below 1.", "min_p");
        if (!double.IsFinite(RepetitionPenalty) || RepetitionPenalty < 1 || RepetitionPenalty > 3)
            throw new InferenceException("invalid_sampling", "repetition_penalty must be between 1 and 3.", "repetition_penalty");
        if (MaxNewTokens < 1 || MaxNewTokens > MaxNewTokensLimit)
            throw new InferenceException("invalid_sampling", $"max_new_tokens must be between 1 and {MaxNewTokensLimit}.", "max_new_tokens");
        if (StopStrings is { } stops)
        {
            if (stops.Count > MaxStopStrings)
                throw new InferenceException("invalid_sampling", $"at most {MaxStopStrings} stop strings.", "stop");
            if (stops.Any(s => string.IsNullOrEmpty(s) || s.Length > MaxStopStringLength))
                throw new InferenceException("invalid_sampling", $"stop strings must be 1 to {MaxStopStringLength} characters.", "stop");
        }
    }
}

/// <summary>
/// One step of a streamed reply. <see cref="QueuePosition"/> is set (and the text empty) while the request
/// waits: 1 means one request is ahead of it.
/// </summary>
/// <param name="Logprobs">The tokens this update covers with their log probabilities, when the request asked.</param>
/// <param name="Choice">Which of the request's replies this update belongs to (0 unless it asked for several).</param>
public sealed record GenerationUpdate(
    string TextDelta,
    int PromptTokens,
    int CompletionTokens,
    string? FinishReason = null,
    double? TimeToFirstTokenMs = null,
    double TokensPerSecond = 0,
    int? QueuePosition = null,
    IReadOnlyList<TokenLogprob>? Logprobs = null,
    int Choice = 0);

/// <summary>Finish reasons, as the OpenAI API names them.</summary>
public static class FinishReasons
{
    public const string Stop = "stop";
    public const string Length = "length";
    public const string Cancelled = "cancelled";
}

/// <summary>
/// What the catalog knows about a model. A model that failed to load keeps its entry with
/// <see cref="Error"/> set, so the UI can say what is wrong while every other model keeps serving.
/// </summary>
/// <param name="WeightsSha256">Lowercase hex SHA-256 of the ONNX weights file ("" for remote models).</param>
/// <param name="ExecutionProvider">"cpu", "cuda" or "remote".</param>
/// <param name="Endpoint">A remote model's server (its /v1 address); null for local models.</param>
/// <param name="RemoteModel">The model name the remote server knows it by.</param>
public sealed record ModelInfo(
    string Id,
    string DisplayName,
    string Architecture,
    long ParameterCount,
    int ContextLength,
    string WeightsSha256,
    string ExecutionProvider,
    bool IsDemo,
    string? Error = null,
    string? Endpoint = null,
    string? RemoteModel = null)
{
    public bool IsAvailable => Error is null;
}

/// <summary>The models this server can run, found at start.</summary>
public interface IModelCatalog
{
    IReadOnlyList<ModelInfo> Models { get; }

    /// <summary>The model to use when a caller does not choose (the demo model on a fresh install).</summary>
    string? DefaultModelId { get; }

    /// <summary>The runnable model with this id (behind the scheduler), or null when unknown or broken.</summary>
    Microsoft.Extensions.AI.IChatClient? Find(string id);
}

/// <summary>An error meant for the person who asked: a stable code, a readable message, the field at fault.</summary>
public sealed class InferenceException(string code, string message, string? field = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>
    /// Stable codes: invalid_sampling, invalid_request, context_exceeded, model_unavailable, model_error,
    /// user_limit, queue_full, runtime_missing.
    /// </summary>
    public string Code { get; } = code;
    public string? Field { get; } = field;
}

/// <summary>
/// What the output must be, enforced token by token (constrained decoding): any JSON object, JSON valid against a
/// schema, or exactly one of a few texts (a judge's "A", "B" or "tie").
/// </summary>
public abstract record OutputConstraintSpec
{
    public sealed record JsonObject : OutputConstraintSpec;

    public sealed record JsonSchema(System.Text.Json.JsonElement Schema) : OutputConstraintSpec;

    public sealed record Choice(IReadOnlyList<string> Options) : OutputConstraintSpec;

    public const int MaxChoices = 256;
    public const int MaxChoiceLength = 1024;

    /// <summary>The grammar of the allowed outputs; refusals (an unsupported schema keyword...) name the field.</summary>
    internal Generation.Constraints.Grammar Compile() => this switch
    {
        JsonObject => Generation.Constraints.JsonSchemaGrammar.AnyObject(),
        JsonSchema s => Generation.Constraints.JsonSchemaGrammar.Compile(s.Schema),
        Choice c => CompileChoice(c.Options),
        _ => throw new InvalidOperationException(),
    };

    private static Generation.Constraints.Grammar CompileChoice(IReadOnlyList<string> options)
    {
        if (options.Count is 0 or > MaxChoices || options.Any(o => string.IsNullOrEmpty(o) || o.Length > MaxChoiceLength))
            throw new InferenceException("invalid_request", $"A choice needs 1 to {MaxChoices} options of 1 to {MaxChoiceLength} characters.", "choice");
        var grammar = new Generation.Constraints.Grammar();
        grammar.Start = grammar.Choice(options.Distinct(StringComparer.Ordinal));
        return grammar;
    }
}

/// <summary>The log probability of a generated token and, when asked for, of the most likely alternatives.</summary>
public sealed record TokenLogprob(string Token, double Logprob, byte[] Bytes, IReadOnlyList<TokenAlternative> TopLogprobs);

public sealed record TokenAlternative(string Token, double Logprob, byte[] Bytes);
