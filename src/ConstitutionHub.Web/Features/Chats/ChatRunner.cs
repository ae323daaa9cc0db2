using System.Collections.Concurrent;
using System.Collections.Immutable;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Inference;
using ConstitutionHub.Web.Infrastructure.Nodes;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace ConstitutionHub.Web.Features.Chats;

/// <summary>Where a reply stands while it waits for the model: null or 0 = generating.</summary>
public sealed record ReplyProgress(Guid ChatId, Guid ReplyId, int? QueuePosition);

/// <summary>What became of a request to stop a reply.</summary>
public enum StopOutcome
{
    /// <summary>It ran on this node and was stopped.</summary>
    Stopped,
    /// <summary>Another node writes it; that node was asked to stop it, and the chat shows when it has.</summary>
    Requested,
    /// <summary>No node writes it any more (it ended, or its node stopped and recovery will mark it).</summary>
    NotRunning,
}

/// <summary>
/// Writes replies in the background, on this node, independent of any page or circuit: closing the tab that
/// asked never stops a reply, only the Stop button (or the server stopping) does. Text reaches the chat's stream
/// in batches (<see cref="ReplyBatcher"/>), and every viewer on every node reads it from there. Queue positions
/// are known only to the running node's runner: it tells its own watchers and the other nodes
/// (<see cref="ChatControl"/>), repeating queued ones every heartbeat. A stop asked for on another node arrives the
/// same way.
/// </summary>
public sealed class ChatRunner : IHostedService
{
    private readonly NodeIdentity node;
    private readonly ChatCommands commands;
    private readonly ChatQueries queries;
    private readonly NodeBus bus;
    private readonly ILogger<ChatRunner> logger;
    private readonly IDisposable[] subscriptions;
    private readonly ConcurrentDictionary<Guid, RunningReply> running = new();
    private readonly CancellationTokenSource shutdown = new();
    // Replies other nodes run that wait in their queues, as those nodes last said.
    private readonly NodeReports<Guid, ReplyProgress> remote;
    private readonly Lock watchersGate = new();
    private ImmutableDictionary<Guid, ImmutableArray<Action<ReplyProgress>>> watchers = ImmutableDictionary<Guid, ImmutableArray<Action<ReplyProgress>>>.Empty;

    public ChatRunner(NodeIdentity node, ChatCommands commands, ChatQueries queries, NodeBus bus, NodeHeartbeat heartbeat,
        ILogger<ChatRunner> logger, IModelCatalog? catalog = null)
    {
        (this.node, this.commands, this.queries, this.bus, this.logger) = (node, commands, queries, bus, logger);
        Catalog = catalog ?? NoModels.Instance;
        remote = new NodeReports<Guid, ReplyProgress>(heartbeat.Time);
        subscriptions =
        [
            bus.Subscribe(ChatControl.Channel, OnSignal),
            bus.OnNodeGone(gone => Forget(remote.ForgetNode(gone))),
            heartbeat.Subscribe(Beat),
        ];
    }

    /// <summary>The models this server offers; none when no inference backend registers a catalog.</summary>
    public IModelCatalog Catalog { get; }

    /// <summary>Calls <paramref name="changed"/> when a reply of the chat changes its queue position, or starts or
    /// stops running, on this node or another, until the result is disposed. It runs on the thread that noticed:
    /// marshal to your own (InvokeAsync) and return.</summary>
    public IDisposable WatchProgress(Guid chatId, Action<ReplyProgress> changed)
    {
        lock (watchersGate) watchers = watchers.SetItem(chatId, watchers.GetValueOrDefault(chatId, []).Add(changed));
        return new Subscription(() =>
        {
            lock (watchersGate)
            {
                var rest = watchers.GetValueOrDefault(chatId, []).Remove(changed);
                watchers = rest.IsEmpty ? watchers.Remove(chatId) : watchers.SetItem(chatId, rest);
            }
        });
    }

    /// <summary>Null when the reply is neither running here nor waiting in another node's queue.</summary>
    public ReplyProgress? Progress(Guid replyId) =>
        running.TryGetValue(replyId, out var r) ? new ReplyProgress(r.ChatId, replyId, r.QueuePosition)
        : remote.Of(replyId).Select(r => r.Value).FirstOrDefault();

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

    /// <summary>Stops a reply; it completes as <c>cancelled</c> with the text so far. Running here, it stops now;
    /// written by another node, that node is asked to stop it. Only the chat's owner may stop it: checked here, on
    /// the node where the owner asks, since the node running it cannot see who asked.</summary>
    public async Task<StopOutcome> StopAsync(Actor actor, Guid chatId, Guid replyId, CancellationToken ct = default)
    {
        var chat = await queries.ChatAsync(chatId, ct) ?? throw new NotFoundException("No such chat.");
        if (!ChatAccess.CanWrite(chat, actor)) throw new ForbiddenException("Only the person who started this chat can stop its replies.");
        if (await StopHereAsync(chatId, replyId)) return StopOutcome.Stopped;
        var reply = await queries.MessageAsync(chatId, replyId, ct);
        if (reply is not { Status: MessageStatus.Streaming, Node: { Length: > 0 } writer } || writer == node.Name) return StopOutcome.NotRunning;
        await bus.PublishAsync(ChatControl.Channel, new StopSignal(node.Name, chatId, replyId, writer), ct);
        return StopOutcome.Requested;
    }

    private async Task<bool> StopHereAsync(Guid chatId, Guid replyId)
    {
        if (!running.TryGetValue(replyId, out var job) || job.ChatId != chatId) return false;
        job.StopRequested = true;
        await job.Cancellation.CancelAsync();
        return true;
    }

    private void OnSignal(ChatSignal signal)
    {
        switch (signal)
        {
            case StopSignal stop when stop.Target == node.Name:
                logger.LogInformation("Node {From} asks to stop reply {Reply} of chat {Chat}", stop.Node, stop.ReplyId, stop.ChatId);
                _ = StopHereAsync(stop.ChatId, stop.ReplyId);
                break;
            case ProgressSignal p when p.QueuePosition is > 0:
                // A reply id is unique: a node claiming another node's reply would only mislabel a queue position.
                if (running.ContainsKey(p.ReplyId)) break;
                var progress = new ReplyProgress(p.ChatId, p.ReplyId, p.QueuePosition);
                if (remote.Put(p.Node, p.ReplyId, progress)) Tell(progress);
                break;
            case ProgressSignal p:
                if (remote.Remove(p.Node, p.ReplyId)) Tell(new ReplyProgress(p.ChatId, p.ReplyId, null));
                break;
        }
    }

    /// <summary>Another node's queued replies whose word lapsed: they no longer wait, as far as anyone here knows.</summary>
    private void Forget(IReadOnlyList<(Guid ReplyId, ReplyProgress Progress)> forgotten)
    {
        foreach (var (replyId, progress) in forgotten)
            if (!remote.Of(replyId).Any()) Tell(progress with { QueuePosition = null });
    }

    private async Task RunAsync(RunningReply job)
    {
        var batcher = new ReplyBatcher();
        var ct = job.Cancellation.Token;
        var last = new ReplyOutcome();
        try
        {
            var (model, messages, options) = await PrepareAsync(job, ct);
            await foreach (var update in model.GetStreamingResponseAsync(messages, options, ct))
            {
                if (update.QueuePosition is { } position)
                {
                    SetQueue(job, position);
                    continue;
                }
                if (job.QueuePosition is not null) SetQueue(job, null);
                last.Observe(update);
                batcher.Add(update.Text, last.CompletionTokens);
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

    /// <summary>The model, the conversation up to the user's turn and every sampling setting of the chat (house
    /// defaults included: a chat never takes a model's own defaults, so its provenance says exactly what ran).</summary>
    private async Task<(IChatClient Model, List<AiChatMessage> Messages, ChatOptions Options)> PrepareAsync(RunningReply job, CancellationToken ct)
    {
        var thread = await queries.ThreadAsync(job.ChatId, job.ReplyId, ct) ?? throw new NotFoundException("No such chat.");
        var provenance = job.Provenance ?? thread.Provenance;
        var model = Catalog.Find(provenance.Model.Id) ?? throw new InferenceException("model_unavailable",
            Catalog.Models.FirstOrDefault(m => m.Id == provenance.Model.Id)?.Error ?? $"The model '{provenance.Model.Id}' is not available on this server.");
        var messages = new List<AiChatMessage> { new(Microsoft.Extensions.AI.ChatRole.System, provenance.SystemPrompt) };
        foreach (var m in ChatTree.PathTo(thread.Messages, job.UserMessageId))
            messages.Add(new AiChatMessage(m.Role == Core.Chats.ChatRole.User ? Microsoft.Extensions.AI.ChatRole.User : Microsoft.Extensions.AI.ChatRole.Assistant, m.Text));
        var s = provenance.Sampling;
        var sampling = new SamplingSettings(s.Temperature, s.TopK, s.TopP, s.MinP, s.RepetitionPenalty, s.MaxNewTokens, ReplySeed.For(s, job.ReplyId),
            s.StopStrings.Count == 0 ? null : s.StopStrings);
        sampling.Validate();
        return (model, messages, HubChat.Options(sampling, job.Owner.Id));
    }

    /// <summary>What the stream said about the reply: the finish reason, token counts and timings.</summary>
    private sealed class ReplyOutcome
    {
        public string? FinishReason { get; private set; }
        public int PromptTokens { get; private set; }
        public int CompletionTokens { get; private set; }
        public double? TimeToFirstTokenMs { get; private set; }
        public double TokensPerSecond { get; private set; }

        public void Observe(ChatResponseUpdate update)
        {
            if (update.CompletionTokens is { } tokens) CompletionTokens = tokens;
            if (update.Usage is { } usage)
            {
                PromptTokens = (int)(usage.InputTokenCount ?? PromptTokens);
                CompletionTokens = (int)(usage.OutputTokenCount ?? CompletionTokens);
            }
            if (update.FinishReason is { } reason)
            {
                // content_filter and tool_calls end the text too; our transcripts know stop, length and cancelled.
                FinishReason = reason == ChatFinishReason.Length ? FinishReasons.Length
                    : reason == HubChat.Cancelled ? FinishReasons.Cancelled
                    : FinishReasons.Stop;
            }
            if (update.TimeToFirstTokenMs is { } ttft) TimeToFirstTokenMs = ttft;
            if (update.TokensPerSecond is { } tps && double.IsFinite(tps) && tps >= 0) TokensPerSecond = tps;
        }
    }

    private async Task FlushAsync(RunningReply job, ReplyBatcher batcher, CancellationToken ct)
    {
        if (batcher.Take() is not { } batch) return;
        await commands.AppendTokensAsync(Actor.System, job.ChatId, job.ReplyId, batch.TextDelta, batch.CompletionTokens, Guid.NewGuid(), ct);
    }

    private Task FinishAsync(RunningReply job, ReplyOutcome last)
    {
        var reason = last.FinishReason ?? FinishReasons.Stop;
        if (!ChatDecisions.FinishReasons.Contains(reason))
            return FailAsync(job, $"The model stopped for a reason this app does not know ('{reason}'). The text so far is kept.");
        return CompleteAsync(job, reason, last);
    }

    private Task CompleteAsync(RunningReply job, string reason, ReplyOutcome last) =>
        TryAsync(job, () => commands.CompleteReplyAsync(Actor.System, job.ChatId, job.ReplyId, reason, last.PromptTokens,
            last.CompletionTokens, last.TimeToFirstTokenMs, last.TokensPerSecond, Guid.NewGuid()), "complete");

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
        bus.Post(ChatControl.Channel, new ProgressSignal(node.Name, job.ChatId, job.ReplyId, job.QueuePosition));
        Tell(new ReplyProgress(job.ChatId, job.ReplyId, job.QueuePosition));
    }

    private void Tell(ReplyProgress progress)
    {
        foreach (var handler in watchers.GetValueOrDefault(progress.ChatId, []))
        {
            try { handler(progress); }
            catch (Exception e) { logger.LogWarning(e, "A progress watcher of chat {Chat} failed", progress.ChatId); }
        }
    }

    /// <summary>Repeats the queue positions of this node's waiting replies, so a node that missed a change (or
    /// started listening later) catches up, and forgets the positions of nodes that fell silent.</summary>
    private void Beat()
    {
        foreach (var job in running.Values)
            if (job.QueuePosition is > 0 and var position) bus.Post(ChatControl.Channel, new ProgressSignal(node.Name, job.ChatId, job.ReplyId, position));
        Forget(remote.ForgetSilent());
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await shutdown.CancelAsync();
        foreach (var subscription in subscriptions) subscription.Dispose();
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
        public IChatClient? Find(string id) => null;
    }
}
