using Microsoft.Extensions.AI;

namespace ConstitutionHub.Inference;

/// <summary>
/// How the app talks to every model, local or remote: <see cref="IChatClient"/> with these additions in
/// <c>AdditionalProperties</c>. On <see cref="ChatOptions"/>: who asks (fairness) and the sampling fields OpenAI's
/// schema lacks (vLLM's names). On response updates: queue positions while waiting, running token counts, and on the
/// last update the provenance of the reply (weights hash, provider, seed, or the remote endpoint and model).
/// </summary>
public static class HubChat
{
    // ChatOptions.AdditionalProperties
    public const string UserKey = "constitutionhub.user";
    public const string MinPKey = "min_p";
    public const string RepetitionPenaltyKey = "repetition_penalty";
    /// <summary>The reply must be exactly one of these texts (a string list): constrained decoding, as vLLM's guided_choice.</summary>
    public const string FixedChoiceKey = "constitutionhub.fixed_choice";
    /// <summary>true: every update carries its tokens' log probabilities (<see cref="TopLogprobsKey"/> adds alternatives).</summary>
    public const string LogprobsKey = "logprobs";
    public const string TopLogprobsKey = "top_logprobs";
    /// <summary>How many independent replies to generate together (OpenAI's n); updates say which with <see cref="ChoiceIndexKey"/>.</summary>
    public const string ChoicesKey = "n";

    // ChatResponseUpdate.AdditionalProperties
    public const string QueuePositionKey = "constitutionhub.queue_position";
    public const string CompletionTokensKey = "constitutionhub.completion_tokens";
    public const string WeightsSha256Key = "constitutionhub.weights_sha256";
    public const string ExecutionProviderKey = "constitutionhub.execution_provider";
    public const string SeedKey = "constitutionhub.seed";
    public const string EndpointKey = "constitutionhub.endpoint";
    public const string RemoteModelKey = "constitutionhub.remote_model";
    public const string TimeToFirstTokenKey = "constitutionhub.time_to_first_token_ms";
    public const string TokensPerSecondKey = "constitutionhub.tokens_per_second";
    public const string ChoiceIndexKey = "constitutionhub.choice_index";
    public const string TokenLogprobsKey = "constitutionhub.logprobs";

    /// <summary>Options that allow only these replies (a judge's "A", "B" or "tie").</summary>
    public static ChatOptions WithFixedChoice(this ChatOptions options, params string[] choices)
    {
        (options.AdditionalProperties ??= [])[FixedChoiceKey] = choices;
        return options;
    }

    /// <summary>What the output must be, from <see cref="ChatOptions.ResponseFormat"/> or <see cref="FixedChoiceKey"/>.</summary>
    public static OutputConstraintSpec? Constraint(ChatOptions? options)
    {
        if (options?.AdditionalProperties?.TryGetValue(FixedChoiceKey, out var value) == true)
        {
            if (value is not IEnumerable<string> choices)
                throw new InferenceException("invalid_request", "A fixed choice is a list of strings.", "choice");
            if (options.ResponseFormat is ChatResponseFormatJson)
                throw new InferenceException("invalid_request", "Ask for a fixed choice or a JSON response format, not both.", "response_format");
            return new OutputConstraintSpec.Choice([.. choices]);
        }
        return options?.ResponseFormat switch
        {
            ChatResponseFormatJson { Schema: { } schema } => new OutputConstraintSpec.JsonSchema(schema),
            ChatResponseFormatJson => new OutputConstraintSpec.JsonObject(),
            _ => null,
        };
    }

    /// <summary>Null: no log probabilities; otherwise how many alternatives per token.</summary>
    public static int? TopLogprobs(ChatOptions? options)
    {
        var properties = options?.AdditionalProperties;
        bool wanted = properties?.TryGetValue(LogprobsKey, out var l) == true && l is true;
        int? top = properties?.TryGetValue(TopLogprobsKey, out var t) == true ? t switch { int i => i, long n => (int)n, _ => null } : null;
        return wanted || top is not null ? top ?? 0 : null;
    }

    public static int Choices(ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(ChoicesKey, out var n) == true ? n switch { int i => i, long l => (int)l, _ => 1 } : 1;

    /// <summary>"cancelled": the caller stopped the reply (not an OpenAI reason; ours).</summary>
    public static readonly ChatFinishReason Cancelled = new(FinishReasons.Cancelled);

    /// <summary>Options that say every sampling setting explicitly (our chat UI: house defaults, never the model's).</summary>
    public static ChatOptions Options(SamplingSettings sampling, string user)
    {
        var options = new ChatOptions
        {
            Temperature = (float)sampling.Temperature,
            TopK = sampling.TopK,
            TopP = (float)sampling.TopP,
            MaxOutputTokens = sampling.MaxNewTokens,
            Seed = sampling.Seed,
            StopSequences = sampling.StopStrings is { Count: > 0 } stops ? [.. stops] : null,
            AdditionalProperties = new AdditionalPropertiesDictionary
            {
                [UserKey] = user,
                [MinPKey] = sampling.MinP,
                [RepetitionPenaltyKey] = sampling.RepetitionPenalty,
            },
        };
        return options;
    }

    /// <summary>
    /// The sampling settings <paramref name="options"/> ask for; every field they leave unset comes from
    /// <paramref name="defaults"/> (for a local model: its generation_config.json, then OpenAI's defaults).
    /// </summary>
    public static SamplingSettings Sampling(ChatOptions? options, SamplingSettings defaults)
    {
        if (options is null) return defaults;
        return new SamplingSettings(
            Temperature: Exact(options.Temperature) ?? defaults.Temperature,
            TopK: options.TopK ?? defaults.TopK,
            TopP: Exact(options.TopP) ?? defaults.TopP,
            MinP: Number(options, MinPKey) ?? defaults.MinP,
            RepetitionPenalty: Number(options, RepetitionPenaltyKey) ?? defaults.RepetitionPenalty,
            MaxNewTokens: options.MaxOutputTokens ?? defaults.MaxNewTokens,
            Seed: options.Seed ?? defaults.Seed,
            StopStrings: options.StopSequences is { Count: > 0 } stops ? [.. stops] : defaults.StopStrings);
    }

    /// <summary>ChatOptions holds these as float: 0.9f becomes 0.9, not 0.8999999761581421, the value the caller wrote.</summary>
    private static double? Exact(float? value) => value is { } f && float.IsFinite(f) ? (double)(decimal)f : value;

    /// <summary>The person or API key a request counts against; "" when the options name nobody.</summary>
    public static string User(ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(UserKey, out var user) == true && user is string s ? s : "";

    private static double? Number(ChatOptions options, string key) =>
        options.AdditionalProperties?.TryGetValue(key, out var value) == true ? value switch
        {
            double d => d,
            float f => f,
            int i => i,
            long l => l,
            decimal m => (double)m,
            System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Number } e => e.GetDouble(),
            _ => throw new InferenceException("invalid_sampling", $"{key} must be a number.", key),
        } : null;

    /// <summary>An update that says how many requests are ahead of this one (no text).</summary>
    public static ChatResponseUpdate Queued(int ahead) => new()
    {
        Role = ChatRole.Assistant,
        AdditionalProperties = new AdditionalPropertiesDictionary { [QueuePositionKey] = ahead },
    };

    extension(ChatResponseUpdate update)
    {
        /// <summary>Requests ahead of this one while it waits; null once it runs.</summary>
        public int? QueuePosition => update.Property<int>(QueuePositionKey);

        /// <summary>Tokens generated so far, when the model says (local models do on every update).</summary>
        public int? CompletionTokens => update.Property<int>(CompletionTokensKey);

        public double? TimeToFirstTokenMs => update.Property<double>(TimeToFirstTokenKey);

        public double? TokensPerSecond => update.Property<double>(TokensPerSecondKey);

        public UsageDetails? Usage => update.Contents.OfType<UsageContent>().LastOrDefault()?.Details;

        /// <summary>Which reply of a request with several (n) this update belongs to.</summary>
        public int ChoiceIndex => update.Property<int>(ChoiceIndexKey) ?? 0;

        /// <summary>The tokens of this update with their log probabilities, when asked for.</summary>
        public IReadOnlyList<TokenLogprob>? Logprobs =>
            update.AdditionalProperties?.TryGetValue(TokenLogprobsKey, out var value) == true ? value as IReadOnlyList<TokenLogprob> : null;

        private T? Property<T>(string key) where T : struct =>
            update.AdditionalProperties?.TryGetValue(key, out var value) == true && value is T typed ? typed : null;
    }
}
