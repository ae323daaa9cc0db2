using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ConstitutionHub.Inference.Models;
using ConstitutionHub.Inference.Native;
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
    private readonly DecoderNames _names;
    private readonly HashSet<int> _eosIds;
    private readonly Dictionary<string, object?> _templateVariables;

    internal LocalChatModel(ModelFolder folder, OnnxSession session, DecoderGraph graph, ModelInfo info)
    {
        _folder = folder;
        _session = session;
        _graph = graph;
        _names = new DecoderNames(graph);
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

    /// <summary>Models up to this size are read into memory so their logits can be limited to the last position.</summary>
    private const long RewriteLimitBytes = 1L << 30;

    /// <summary>
    /// Opens the weights with the vocabulary projection limited to the last position (see <see cref="LastPositionLogits"/>)
    /// when the model is self-contained and the rewrite applies; otherwise, or if the runtime refuses the rewritten
    /// graph, the file as it is.
    /// </summary>
    private static OnnxSession OpenSession(OrtRuntime runtime, ModelFolder model, SessionSettings settings)
    {
        if (model.Facts.ExternalDataLocations.Count == 0 && new FileInfo(model.WeightsPath).Length <= RewriteLimitBytes &&
            LastPositionLogits.TryRewrite(File.ReadAllBytes(model.WeightsPath)) is { } rewritten)
        {
            try
            {
                return OnnxSession.Open(runtime, model.WeightsPath, settings, rewritten);
            }
            catch (OrtException)
            {
                // Fall through to the original graph; its own error, if any, is the one worth reporting.
            }
        }
        return OnnxSession.Open(runtime, model.WeightsPath, settings);
    }

    /// <summary>
    /// Loads one model folder with the runtime, provider and threads of <paramref name="options"/>; throws
    /// <see cref="ModelFolderException"/> or <see cref="InferenceException"/> when it cannot be used.
    /// </summary>
    /// <param name="weightsFile">A weights file to use instead of the folder's choice, e.g. "onnx/model_fp16.onnx".</param>
    public static LocalChatModel Load(string folder, InferenceOptions options, string? weightsFile = null, ModelFolderLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var runtime = OrtRuntime.Load(options.RuntimePath);
        return Open(runtime, ModelFolder.Open(folder, limits ?? new ModelFolderLimits(), weightsFile), SessionSettings.From(options));
    }

    /// <summary>Opens a session over a checked model folder and makes sure its graph is a decoder with a KV cache.</summary>
    internal static LocalChatModel Open(OrtRuntime runtime, ModelFolder model, SessionSettings settings)
    {
        OnnxSession session;
        try
        {
            session = OpenSession(runtime, model, settings);
        }
        catch (OrtException e)
        {
            throw new ModelFolderException($"ONNX Runtime cannot load {Path.GetRelativePath(model.FolderPath, model.WeightsPath)}: {e.RuntimeMessage}", e);
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
            return new LocalChatModel(model, session, graph, info);
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
        var promptIds = EncodePrompt(RenderPrompt(request.Messages));
        return StreamTokensAsync(promptIds, request.Sampling, cancellationToken);
    }

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

    private async IAsyncEnumerable<GenerationUpdate> Stream(IReadOnlyList<int> promptIds, SamplingSettings sampling, bool ignoreEos, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The decode loop is CPU-bound native work: it runs on its own thread and hands updates over a channel. If the
        // reader stops early (disposes the enumerator), the linked token stops the loop.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateUnbounded<GenerationUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var worker = Task.Factory.StartNew(() =>
        {
            try
            {
                Generate(promptIds, sampling, ignoreEos, update => channel.Writer.TryWrite(update), stop.Token);
                channel.Writer.TryComplete();
            }
            catch (InferenceException e)
            {
                channel.Writer.TryComplete(e);
            }
            catch (Exception e)
            {
                // Whatever went wrong stays inside this generation: the caller gets model_error, other generations go on.
                channel.Writer.TryComplete(new InferenceException("model_error", $"{Info.DisplayName} failed while generating: {e.Message}", null, e));
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
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
            await worker.ConfigureAwait(false);
        }
    }

    /// <summary>The generation loop; reports every token through <paramref name="report"/>, the last update with a finish reason.</summary>
    /// <param name="tokenSink">Sees every generated id, end token included (golden tests compare them).</param>
    internal void Generate(IReadOnlyList<int> promptIds, SamplingSettings sampling, bool ignoreEos, Action<GenerationUpdate> report, CancellationToken cancellationToken, Action<int>? tokenSink = null)
    {
        var clock = Stopwatch.StartNew();
        int promptTokens = promptIds.Count;
        int maxNew = Math.Min(sampling.MaxNewTokens, ContextLength - promptTokens);
        var sampler = new Sampler(sampling, _graph.VocabSize);
        foreach (int id in promptIds) sampler.Observe(id);
        var decoder = _folder.Tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);
        var stops = new StopStringFilter(sampling.StopStrings ?? []);
        int completion = 0;
        double? ttft = null;
        double firstTokenAt = 0, lastTokenAt = 0;
        string? finish = null;

        double TokensPerSecond() => completion > 1 && lastTokenAt > firstTokenAt ? (completion - 1) / ((lastTokenAt - firstTokenAt) / 1000.0) : 0;

        if (cancellationToken.IsCancellationRequested)
        {
            report(new GenerationUpdate("", promptTokens, 0, FinishReasons.Cancelled));
            return;
        }

        using var run = new DecoderRun(_session, _graph, _names, ContextLength);
        using var registration = cancellationToken.Register(static r => ((DecoderRun)r!).Terminate(), run);
        try
        {
            var ids = promptIds as int[] ?? promptIds.ToArray();
            float[] logits = run.Prefill(ids);
            while (true)
            {
                if (ignoreEos)
                {
                    foreach (int eos in _eosIds)
                    {
                        if (eos < logits.Length) logits[eos] = float.NegativeInfinity;
                    }
                }
                int token = sampler.Next(logits);
                tokenSink?.Invoke(token);
                completion++;
                lastTokenAt = clock.Elapsed.TotalMilliseconds;
                if (ttft is null)
                {
                    ttft = lastTokenAt;
                    firstTokenAt = lastTokenAt;
                }
                if (_eosIds.Contains(token))
                {
                    finish = FinishReasons.Stop;
                    break;
                }
                sampler.Observe(token);
                string text = stops.Push(decoder.Append(token));
                if (stops.Stopped)
                {
                    report(new GenerationUpdate(text, promptTokens, completion, FinishReasons.Stop, ttft, TokensPerSecond()));
                    return;
                }
                if (completion >= maxNew)
                {
                    finish = FinishReasons.Length;
                    report(new GenerationUpdate(text, promptTokens, completion));
                    break;
                }
                report(new GenerationUpdate(text, promptTokens, completion, TimeToFirstTokenMs: completion == 1 ? ttft : null));
                if (cancellationToken.IsCancellationRequested)
                {
                    finish = FinishReasons.Cancelled;
                    break;
                }
                logits = run.Step(token);
            }
        }
        catch (OrtException) when (cancellationToken.IsCancellationRequested)
        {
            finish = FinishReasons.Cancelled; // the runtime stopped the step we asked it to terminate
        }
        catch (OrtException e)
        {
            throw new InferenceException("model_error", $"{Info.DisplayName} failed while generating: {e.Message}", null, e);
        }
        // Text held back by the streaming decoder or for a possible stop string is final now. After a cancellation it
        // is dropped only if it could still be part of a stop string.
        string tail = finish == FinishReasons.Cancelled ? "" : stops.Push(decoder.Flush());
        if (stops.Stopped)
        {
            finish = FinishReasons.Stop;
        }
        else if (finish != FinishReasons.Cancelled)
        {
            tail += stops.Flush();
        }
        report(new GenerationUpdate(tail, promptTokens, completion, finish, ttft, TokensPerSecond()));
    }

    public void Dispose() => _session.Dispose();
}
