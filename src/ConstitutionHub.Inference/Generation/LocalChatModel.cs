using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ConstitutionHub.Inference.Models;
using ConstitutionHub.Inference.Runtime;
using Microsoft.ML.OnnxRuntime;
using ConstitutionHub.Inference.Tokenization;

namespace ConstitutionHub.Inference.Generation;

/// <summary>
/// A chat model running locally on ONNX Runtime: the chat template renders the conversation, the tokenizer encodes
/// it, and a decoder with a KV cache prefills the prompt and then decodes token by token. Several generations may run
/// at once on the one session, each with its own cache; a failure in one never touches the others.
/// </summary>
public sealed class LocalChatModel : IChatModel, IDisposable
{
    private readonly ModelFolder _folder;
    private readonly OnnxSession _session;
    private readonly DecoderGraph _graph;
    private readonly HashSet<int> _eosIds;
    private readonly BatchEngine _engine;
    private readonly Dictionary<string, object?> _templateVariables;

    internal LocalChatModel(ModelFolder folder, OnnxSession session, DecoderGraph graph, ModelInfo info, SessionSettings settings)
    {
        _folder = folder;
        _session = session;
        _graph = graph;
        _engine = new BatchEngine(session, graph, settings, settings.MaxBatch, info.Id);
        Info = info;
        ContextLength = info.ContextLength;
        _eosIds = [.. folder.Config.EosTokenIds];
        if (_eosIds.Count == 0 && folder.TokenizerConfig.EosToken is { } eos && folder.Tokenizer.TokenToId(eos) is int eosId)
        {
            _eosIds.Add(eosId);
        }
        // transformers.js passes the special tokens of tokenizer_config.json to the template.
        _templateVariables = new Dictionary<string, object?>(StringComparer.Ordinal);
        void Add(string name, string? value)
        {
            if (value is not null) _templateVariables[name] = value;
        }
        Add("bos_token", folder.TokenizerConfig.BosToken);
        Add("eos_token", folder.TokenizerConfig.EosToken);
        Add("pad_token", folder.TokenizerConfig.PadToken);
        Add("unk_token", folder.TokenizerConfig.UnkToken);
    }

    public ModelInfo Info { get; }

    /// <summary>generation_config.json's sampling fields over OpenAI's defaults (vLLM's rule), for requests that leave them unset.</summary>
    public SamplingSettings Defaults => _folder.Config.Generation.Over(SamplingSettings.OpenAiDefaults);

    /// <summary>Models up to this size are read into memory so their graph can be rewritten for generation.</summary>
    private const long RewriteLimitBytes = 1L << 30;

    /// <summary>
    /// Opens the weights rewritten for generation when the model is self-contained: the vocabulary projection limited to
    /// the last position (<see cref="LastPositionLogits"/>) and grouped-query attention reading the cache without
    /// repeating it (<see cref="GroupedKvAttention"/>), each where it applies. If the runtime refuses the rewritten
    /// graph, the file as it is.
    /// </summary>
    private static OnnxSession OpenSession(ModelFolder model, SessionSettings settings)
    {
        if (model.Facts.ExternalDataLocations.Count == 0 && new FileInfo(model.WeightsPath).Length <= RewriteLimitBytes)
        {
            byte[] original = File.ReadAllBytes(model.WeightsPath);
            byte[]? sliced = LastPositionLogits.TryRewrite(original);
            if ((GroupedKvAttention.TryRewrite(sliced ?? original) ?? sliced) is { } rewritten)
            {
                try
                {
                    return OnnxSession.Open(model.WeightsPath, settings, rewritten);
                }
                catch (OnnxRuntimeException)
                {
                    // Fall through to the original graph; its own error, if any, is the one worth reporting.
                }
            }
        }
        return OnnxSession.Open(model.WeightsPath, settings);
    }

    /// <summary>
    /// Loads one model folder with the runtime, provider and threads of <paramref name="options"/>; throws
    /// <see cref="ModelFolderException"/> or <see cref="InferenceException"/> when it cannot be used.
    /// </summary>
    /// <param name="weightsFile">A weights file to use instead of the folder's choice, e.g. "onnx/model_fp16.onnx".</param>
    public static LocalChatModel Load(string folder, InferenceOptions options, string? weightsFile = null, ModelFolderLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Open(ModelFolder.Open(folder, limits ?? new ModelFolderLimits(), weightsFile), SessionSettings.From(options));
    }

    /// <summary>Opens a session over a checked model folder and makes sure its graph is a decoder with a KV cache.</summary>
    internal static LocalChatModel Open(ModelFolder model, SessionSettings settings)
    {
        OnnxSession session;
        try
        {
            session = OpenSession(model, settings);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelFolderException($"ONNX Runtime cannot load {Path.GetRelativePath(model.FolderPath, model.WeightsPath)}: {e.Message}", e);
        }
        try
        {
            var graph = DecoderGraph.Inspect(session.Inputs, session.Outputs, model.Config);
            var info = new ModelInfo(
                model.Id,
                model.DisplayName,
                model.Config.ModelType,
                model.Facts.ParameterCount,
                model.Config.MaxPositionEmbeddings,
                model.WeightsSha256,
                session.ExecutionProvider,
                model.IsDemo);
            return new LocalChatModel(model, session, graph, info, settings);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Tokens the model attends to: prompt and reply together.</summary>
    public int ContextLength { get; }

    public Tokenizer Tokenizer => _folder.Tokenizer;

    /// <summary>The ids that end a reply (generation_config.json, else config.json, else the tokenizer's eos token).</summary>
    public IReadOnlyCollection<int> EosTokenIds => _eosIds;

    /// <summary>The conversation as the model sees it, with the prompt for the assistant's turn.</summary>
    public string RenderPrompt(IReadOnlyList<ChatMessage> messages)
    {
        try
        {
            return _folder.ChatTemplate.Render(messages, addGenerationPrompt: true, _templateVariables);
        }
        catch (Exception e) when (e is Templates.TemplateException)
        {
            throw new InferenceException("invalid_request", $"The model's chat template refused the conversation: {e.Message}", "messages", e);
        }
    }

    /// <summary>Token ids of a rendered prompt (the template already holds the special tokens).</summary>
    public IReadOnlyList<int> EncodePrompt(string prompt) => _folder.Tokenizer.Encode(prompt, addSpecialTokens: false);

    public IAsyncEnumerable<GenerationUpdate> StreamAsync(GenerationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Sampling.Validate();
        if (request.Messages.Count == 0) throw new InferenceException("invalid_request", "The conversation has no messages.", "messages");
        if (request.Choices is < 1 or > GenerationRequest.MaxChoices)
            throw new InferenceException("invalid_request", $"n must be between 1 and {GenerationRequest.MaxChoices}.", "n");
        if (request.TopLogprobs is < 0 or > GenerationRequest.MaxTopLogprobs)
            throw new InferenceException("invalid_request", $"top_logprobs must be between 0 and {GenerationRequest.MaxTopLogprobs}.", "top_logprobs");
        // Compiled before anything is queued, so an unsupported schema is a refusal, not a failed reply.
        var grammar = request.Constraint?.Compile();
        var promptIds = EncodePrompt(RenderPrompt(request.Messages));
        CheckContext(promptIds.Count);
        return Stream(promptIds, request.Sampling, false, cancellationToken, new Extras(grammar, request.TopLogprobs, request.Choices));
    }

    /// <summary>What a request adds to plain generation: a grammar, log probabilities, several replies.</summary>
    private sealed record Extras(Constraints.Grammar? Grammar, int? TopLogprobs, int Choices);

    private Constraints.TokenBytes? _tokenBytes;

    /// <summary>The bytes of every token, built on first use (constrained decoding and log probabilities need them).</summary>
    private Constraints.TokenBytes Vocabulary => _tokenBytes ??= Constraints.TokenBytes.For(_folder.Tokenizer, _graph.VocabSize);

    /// <summary>
    /// Generates from prompt ids directly (raw completions, benchmarks). With <paramref name="ignoreEos"/> the end
    /// tokens are masked out, as min_new_tokens does in transformers, so a run always reaches max_new_tokens.
    /// </summary>
    public IAsyncEnumerable<GenerationUpdate> StreamTokensAsync(IReadOnlyList<int> promptIds, SamplingSettings sampling, CancellationToken cancellationToken, bool ignoreEos = false)
    {
        sampling.Validate();
        CheckContext(promptIds.Count);
        foreach (int id in promptIds)
        {
            if ((uint)id >= (uint)_graph.VocabSize)
            {
                throw new InferenceException("invalid_request", $"Token id {id} is outside the model's vocabulary of {_graph.VocabSize}.", "prompt");
            }
        }
        return Stream(promptIds, sampling, ignoreEos, cancellationToken);
    }

    /// <summary>A prompt must leave room for at least one new token.</summary>
    private void CheckContext(int promptTokens)
    {
        if (promptTokens == 0) throw new InferenceException("invalid_request", "The prompt is empty.", "messages");
        if (promptTokens > ContextLength - 1)
        {
            throw new InferenceException("context_exceeded",
                $"The prompt is {promptTokens} tokens; {Info.DisplayName} has a context of {ContextLength} tokens, so a prompt can be at most {ContextLength - 1} tokens to leave room for a reply.",
                "messages");
        }
    }

    private async IAsyncEnumerable<GenerationUpdate> Stream(IReadOnlyList<int> promptIds, SamplingSettings sampling, bool ignoreEos,
        [EnumeratorCancellation] CancellationToken cancellationToken, Extras? extras = null)
    {
        // The batch engine runs on its own thread and hands updates over a channel, a few at a time (UpdateRelay). If the
        // reader stops early (disposes the enumerator), the linked token takes the sequence out of the batch at the next pass.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateUnbounded<GenerationUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var relay = new UpdateRelay(channel.Writer);
        Submit(promptIds, sampling, ignoreEos, relay.Report, relay.Complete, stop.Token, extras: extras);
        try
        {
            await foreach (var update in channel.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                yield return update;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Queues a generation with the batch engine; <paramref name="completed"/> gets null after the last update, or the failure.</summary>
    private void Submit(IReadOnlyList<int> promptIds, SamplingSettings sampling, bool ignoreEos, Action<GenerationUpdate> report,
        Action<Exception?> completed, CancellationToken cancellationToken, Action<int>? tokenSink = null, Extras? extras = null)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            report(new GenerationUpdate("", promptIds.Count, 0, FinishReasons.Cancelled));
            completed(null);
            return;
        }
        var ids = promptIds as int[] ?? promptIds.ToArray();
        int choices = extras?.Choices ?? 1;
        var vocabulary = extras is { Grammar: not null } or { TopLogprobs: not null } ? Vocabulary : null;
        // With several replies the stream completes when the last one does (or at the first failure).
        int open = choices;
        void Completed(Exception? error)
        {
            var wrapped = error is null or InferenceException ? error
                : new InferenceException("model_error", $"{Info.DisplayName} failed while generating: {error.Message}", null, error);
            if (wrapped is not null || Interlocked.Decrement(ref open) == 0) completed(wrapped);
        }
        var sequences = Enumerable.Range(0, choices).Select(choice => new Sequence(ids,
            choice == 0 ? sampling : sampling with { Seed = sampling.Seed + choice },
            ignoreEos, ContextLength, _graph.VocabSize, _eosIds, _folder.Tokenizer,
            choice == 0 ? report : update => report(update with { Choice = choice }),
            Completed, cancellationToken, tokenSink,
            extras?.Grammar is { } grammar ? new Constraints.OutputConstraint(grammar, vocabulary!, _eosIds) : null,
            extras?.TopLogprobs, vocabulary)).ToArray();
        _engine.Submit(sequences);
    }

    /// <summary>Runs one generation to its end and reports every update on the engine's thread (tests use it to act at a known token).</summary>
    /// <param name="tokenSink">Sees every generated id, end token included (golden tests compare them).</param>
    internal void Generate(IReadOnlyList<int> promptIds, SamplingSettings sampling, bool ignoreEos, Action<GenerationUpdate> report, CancellationToken cancellationToken, Action<int>? tokenSink = null)
    {
        var done = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Submit(promptIds, sampling, ignoreEos, report, error => done.TrySetResult(error), cancellationToken, tokenSink);
        if (done.Task.GetAwaiter().GetResult() is { } failure) throw failure;
    }

    /// <summary>
    /// Runs several generations submitted together (one prefill pass for all, then shared decode passes) and returns each
    /// one's updates and ids, in order.
    /// </summary>
    internal IReadOnlyList<(List<GenerationUpdate> Updates, List<int> Ids)> GenerateTogether(IReadOnlyList<IReadOnlyList<int>> prompts, SamplingSettings sampling, bool ignoreEos = false)
    {
        sampling.Validate();
        var results = prompts.Select(_ => (Updates: new List<GenerationUpdate>(), Ids: new List<int>())).ToList();
        var done = prompts.Select(_ => new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();
        var sequences = prompts.Select((prompt, i) =>
        {
            CheckContext(prompt.Count);
            return new Sequence(prompt.ToArray(), sampling, ignoreEos, ContextLength, _graph.VocabSize, _eosIds, _folder.Tokenizer,
                results[i].Updates.Add, error => done[i].TrySetResult(error), CancellationToken.None, results[i].Ids.Add);
        }).ToArray();
        _engine.Submit(sequences);
        foreach (var d in done)
        {
            if (d.Task.GetAwaiter().GetResult() is { } failure) throw failure;
        }
        return results;
    }

    /// <summary>Starts timing every decode pass phase by phase (the benchmark's --profile) and returns the running totals.</summary>
    internal PassProfile StartProfile() => _engine.Profile = new PassProfile();

    /// <summary>The most sequences one forward pass has run (batching at work).</summary>
    public int LargestBatch => _engine.LargestBatch;

    public void Dispose()
    {
        _engine.Dispose();
        _session.Dispose();
    }
}
