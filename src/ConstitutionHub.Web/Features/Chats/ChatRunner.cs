using System.Collections.Concurrent;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Inference;

namespace ConstitutionHub.Web.Features.Chats;

/// <summary>Where a reply stands on this node while it waits for the model: 0 = generating.</summary>
public sealed record ReplyProgress(Guid ChatId, Guid ReplyId, int? QueuePosition);

/// <summary>
/// Writes replies in the background, on this node, independent of any page or circuit: closing the tab that
/// asked never stops a reply, only the Stop button (or the server stopping) does. Text reaches the chat's stream
/// in batches (<see cref="ReplyBatcher"/>), and every viewer on every node reads it from there. Queue positions
/// are known only to this node's runner, so they travel by an in-process event.
/// </summary>
public sealed class ChatRunner(NodeIdentity node, IServiceProvider services, ILogger<ChatRunner> logger) : IHostedService
{
    // Resolved on use: hosted services are built before the database is up, and these need its data source.
    private ChatCommands commands => services.GetRequiredService<ChatCommands>();
    private ChatQueries queries => services.GetRequiredService<ChatQueries>();

    private readonly ConcurrentDictionary<Guid, RunningReply> running = new();
    private readonly CancellationTokenSource shutdown = new();

    /// <summary>Raised when a reply's queue position changes or it starts or stops running on this node.</summary>
    public event Action<ReplyProgress>? ProgressChanged;

    /// <summary>The models this server offers; none until an inference backend registers its catalog.</summary>
    public IModelCatalog Catalog => services.GetService<IModelCatalog>() ?? NoModels.Instance;

    /// <summary>Null when the reply is not running here (finished, or written by another node).</summary>
    public ReplyProgress? Progress(Guid replyId) =>
        running.TryGetValue(replyId, out var r) ? new ReplyProgress(r.ChatId, replyId, r.QueuePosition) : null;

    public bool IsRunningHere(Guid replyId) => running.ContainsKey(replyId);

    /// <summary>
    /// Starts a reply to <paramref name="userMessageId"/> and returns its id once recorded; the text follows in the
    /// background. <paramref name="provenance"/>: what this turn runs with, null for the chat's own. Only the chat's
    /// owner may start replies (checked by <see cref="ChatCommands"/>).
    /// </summary>
    public async Task<Guid> StartReplyAsync(Actor owner, Guid chatId, Guid userMessageId, ChatProvenance? provenance, Guid commandId,
        CancellationToken ct = default)
    {
        var replyId = await commands.StartReplyAsync(owner, chatId, userMessageId, provenance, node.Name, commandId, ct);
        var job = new RunningReply(chatId, replyId, userMessageId, owner, provenance, CancellationTokenSource.CreateLinkedTokenSource(shutdown.Token));
        if (!running.TryAdd(replyId, job)) return replyId; // a retried command: the first call runs it
        job.Task = Task.Run(() => RunAsync(job));
        Raise(job);
        return replyId;
    }

    /// <summary>Asks a reply running on this node to stop; it completes as <c>cancelled</c> with the text so far.
    /// False when it is not running here. Only the chat's owner may stop it.</summary>
    public async Task<bool> StopAsync(Actor actor, Guid chatId, Guid replyId)
    {
        var chat = await queries.ChatAsync(chatId) ?? throw new NotFoundException("No such chat.");
        if (!ChatAccess.CanWrite(chat, actor)) throw new ForbiddenException("Only the person who started this chat can stop its replies.");
        if (!running.TryGetValue(replyId, out var job) || job.ChatId != chatId) return false;
        job.StopRequested = true;
        await job.Cancellation.CancelAsync();
        return true;
    }

    private async Task RunAsync(RunningReply job)
    {
        var batcher = new ReplyBatcher();
        var ct = job.Cancellation.Token;
        GenerationUpdate? last = null;
        try
        {
            var (model, request) = await PrepareAsync(job, ct);
            await foreach (var update in model.StreamAsync(request, ct))
            {
                if (update.QueuePosition is { } position && update.TextDelta.Length == 0 && update.FinishReason is null)
                {
                    SetQueue(job, position);
                    continue;
                }
                if (job.QueuePosition is not null) SetQueue(job, null);
                last = update;
                batcher.Add(update.TextDelta, update.CompletionTokens);
                if (update.FinishReason is not null) break;
                if (batcher.IsDue) await FlushAsync(job, batcher, CancellationToken.None);
            }
            await FlushAsync(job, batcher, CancellationToken.None);
            await FinishAsync(job, last);
        }
        catch (OperationCanceledException) when (job.StopRequested)
        {
            await FlushAsync(job, batcher, CancellationToken.None);
            await CompleteAsync(job, FinishReasons.Cancelled, last);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            // The server is stopping: keep what was generated; the reply stays streaming until recovery marks it
            // interrupted at this node's next start (or another node's stale check), the same as after a crash.
            await TryAsync(job, () => FlushAsync(job, batcher, CancellationToken.None), "save the last batch at shutdown");
        }
        catch (InferenceException e)
        {
            await FlushAsync(job, batcher, CancellationToken.None);
            await FailAsync(job, Explain(e, job));
        }
        catch (ValidationException e)
        {
            // The reply was closed under us (recovery on another node thought this one dead): nothing more to write.
            logger.LogWarning("Reply {Reply} of chat {Chat} stopped: {Reason}", job.ReplyId, job.ChatId, e.Message);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Reply {Reply} of chat {Chat} failed", job.ReplyId, job.ChatId);
            await TryAsync(job, () => FlushAsync(job, batcher, CancellationToken.None), "save the last batch after a failure");
            await FailAsync(job, "The model failed unexpectedly while writing this reply. The text so far is kept; regenerate to try again.");
        }
        finally
        {
            running.TryRemove(job.ReplyId, out _);
            job.QueuePosition = null;
            Raise(job);
            job.Cancellation.Dispose();
        }
    }

    private async Task<(IChatModel Model, GenerationRequest Request)> PrepareAsync(RunningReply job, CancellationToken ct)
    {
        var thread = await queries.ThreadAsync(job.ChatId, job.ReplyId, ct) ?? throw new NotFoundException("No such chat.");
        var provenance = job.Provenance ?? thread.Provenance;
        var model = Catalog.Find(provenance.Model.Id) ?? throw new InferenceException("model_unavailable",
            Catalog.Models.FirstOrDefault(m => m.Id == provenance.Model.Id)?.Error ?? $"The model '{provenance.Model.Id}' is not available on this server.");
        var messages = new List<ChatMessage> { new("system", provenance.SystemPrompt) };
        foreach (var m in ChatTree.PathTo(thread.Messages, job.UserMessageId))
            messages.Add(new ChatMessage(m.Role == ChatRole.User ? "user" : "assistant", m.Text));
        var s = provenance.Sampling;
        var sampling = new SamplingSettings(s.Temperature, s.TopK, s.TopP, s.MinP, s.RepetitionPenalty, s.MaxNewTokens, ReplySeed.For(s, job.ReplyId),
            s.StopStrings.Count == 0 ? null : s.StopStrings);
        sampling.Validate();
        return (model, new GenerationRequest(messages, sampling, job.Owner.Id));
    }

    private async Task FlushAsync(RunningReply job, ReplyBatcher batcher, CancellationToken ct)
    {
        if (batcher.Take() is not { } batch) return;
        await commands.AppendTokensAsync(Actor.System, job.ChatId, job.ReplyId, batch.TextDelta, batch.CompletionTokens, Guid.NewGuid(), ct);
    }

    private Task FinishAsync(RunningReply job, GenerationUpdate? last)
    {
        var reason = last?.FinishReason ?? FinishReasons.Stop;
        if (reason == "error") return FailAsync(job, "The model reported an error while writing this reply. The text so far is kept.");
        if (!ChatDecisions.FinishReasons.Contains(reason))
            return FailAsync(job, $"The model stopped for a reason this app does not know ('{reason}'). The text so far is kept.");
        return CompleteAsync(job, reason, last);
    }

    private Task CompleteAsync(RunningReply job, string reason, GenerationUpdate? last) =>
        TryAsync(job, () => commands.CompleteReplyAsync(Actor.System, job.ChatId, job.ReplyId, reason, last?.PromptTokens ?? 0,
            last?.CompletionTokens ?? 0, last?.TimeToFirstTokenMs, last is { TokensPerSecond: var tps } && double.IsFinite(tps) && tps >= 0 ? tps : 0,
            Guid.NewGuid()), "complete");

    private Task FailAsync(RunningReply job, string error) =>
        TryAsync(job, () => commands.FailReplyAsync(Actor.System, job.ChatId, job.ReplyId, error, Guid.NewGuid()), "record the failure of");

    private async Task TryAsync(RunningReply job, Func<Task> action, string what)
    {
        try
        {
            await action();
        }
        catch (Exception e)
        {
            // Nothing is lost: the reply stays streaming and recovery marks it interrupted with the text so far.
            logger.LogWarning(e, "Could not {What} reply {Reply} of chat {Chat}", what, job.ReplyId, job.ChatId);
        }
    }

    /// <summary>What the person sees in the chat: what went wrong and what they can do.</summary>
    internal static string Explain(InferenceException e, RunningReply? job = null) => e.Code switch
    {
        "model_unavailable" => $"The model is not available: {e.Message}",
        "context_exceeded" => $"The conversation no longer fits the model's context: {e.Message} Edit an earlier message or start a new chat.",
        "user_limit" => $"You already have as many replies running as this server allows per person ({e.Message}). Wait for one to finish, then regenerate this one.",
        "queue_full" => $"The server is too busy to take this reply ({e.Message}). Regenerate it in a moment.",
        "invalid_sampling" => $"The sampling settings were refused: {e.Message}",
        "runtime_missing" => $"The inference runtime is not installed on this server: {e.Message}",
        _ => $"The model failed: {e.Message}",
    };

    private void SetQueue(RunningReply job, int? position)
    {
        if (job.QueuePosition == position) return;
        job.QueuePosition = position;
        Raise(job);
    }

    private void Raise(RunningReply job)
    {
        var progress = new ReplyProgress(job.ChatId, job.ReplyId, job.QueuePosition);
        foreach (var handler in ProgressChanged?.GetInvocationList() ?? [])
        {
            try { ((Action<ReplyProgress>)handler)(progress); }
            catch (Exception e) { logger.LogDebug(e, "A progress subscriber failed"); }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await shutdown.CancelAsync();
        var tasks = running.Values.Select(r => r.Task).OfType<Task>().ToArray();
        // Give the loops a moment to save their last batch; whatever is still streaming is recovered at next start.
        await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(TimeSpan.FromSeconds(5), cancellationToken));
    }

    internal sealed class RunningReply(Guid chatId, Guid replyId, Guid userMessageId, Actor owner, ChatProvenance? provenance,
        CancellationTokenSource cancellation)
    {
        public Guid ChatId { get; } = chatId;
        public Guid ReplyId { get; } = replyId;
        public Guid UserMessageId { get; } = userMessageId;
        public Actor Owner { get; } = owner;
        public ChatProvenance? Provenance { get; } = provenance;
        public CancellationTokenSource Cancellation { get; } = cancellation;
        public Task? Task { get; set; }
        public volatile bool StopRequested;
        public int? QueuePosition { get; set; }
    }

    /// <summary>The catalog when no inference backend is registered: pages say there is no model to run.</summary>
    private sealed class NoModels : IModelCatalog
    {
        public static readonly NoModels Instance = new();
        public IReadOnlyList<ModelInfo> Models => [];
        public string? DefaultModelId => null;
        public IChatModel? Find(string id) => null;
    }
}
