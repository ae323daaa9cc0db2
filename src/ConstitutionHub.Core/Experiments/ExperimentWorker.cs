using System.Collections.Concurrent;
using System.Diagnostics;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.PromptSets;
using ConstitutionHub.Core.Streams;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace ConstitutionHub.Core.Experiments;

/// <summary>The models experiments run on: the app's catalog of local and remote models, each an <see cref="IChatClient"/>.</summary>
public interface IExperimentModels
{
    /// <summary>The client for <paramref name="model"/> (null: the default model), and the name recorded with each output.</summary>
    (IChatClient Client, string Name) For(string? model);

    /// <summary>Options that allow only these replies (constrained decoding), for a judge's verdict.</summary>
    ChatOptions FixedChoice(ChatOptions options, IReadOnlyList<string> choices);
}

public sealed record ExperimentWorkerOptions
{
    /// <summary>This node's name, recorded with each output and holding its leases.</summary>
    public required string Node { get; init; }
    /// <summary>Generations in flight at once: concurrent requests are what the local engine batches.</summary>
    public int Concurrency { get; init; } = 8;
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);
    public int MaxAttempts { get; init; } = 3;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>How often an idle node looks for work.</summary>
    public TimeSpan Poll { get; init; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>
/// A node's share of every running experiment: <see cref="ExperimentWorkerOptions.Concurrency"/> loops, each claiming
/// one piece of work from the shared <see cref="WorkQueue"/>, doing it and recording the result, while a heartbeat
/// keeps this node's leases alive. Stopping (or killing) a node releases nothing: its leases run out and other nodes
/// take its work over. A result is recorded on a stream named by its work, so work done twice (a node thought dead
/// finishing late) is recorded once.
/// </summary>
public sealed class ExperimentWorker(
    EventStreams streams, WorkQueue queue, ExperimentQueries experiments, PromptSets.PromptSets promptSets, ConstitutionQueries constitutions,
    IExperimentModels models, ExperimentWorkerOptions options, ExperimentJudge? judge = null, TimeProvider? clock = null,
    ILogger<ExperimentWorker>? logger = null)
{
    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<Guid, Lazy<Task<RunContext>>> contexts = new();

    /// <summary>What every generation of one experiment needs, read once per node.</summary>
    internal sealed record RunContext(ExperimentRow Experiment, IReadOnlyDictionary<string, PromptItem> Items,
        IReadOnlyDictionary<string, CompiledPrompt> Prompts, IReadOnlyDictionary<string, Arm> Arms);

    public async Task RunAsync(CancellationToken ct)
    {
        var loops = Enumerable.Range(0, options.Concurrency).Select(_ => LoopAsync(ct)).Append(HeartbeatAsync(ct)).ToList();
        try
        {
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Does one piece of work if there is one; false when the queue had nothing claimable.</summary>
    public async Task<bool> StepAsync(CancellationToken ct)
    {
        var item = await queue.ClaimAsync(options.Node, options.Lease, ct);
        if (item is null) return false;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Timeout);
            try
            {
                if (item.Kind == WorkItem.Generate) await GenerateAsync(item, timeout.Token);
                else if (judge is null) throw new InvalidOperationException("This node has no judge configured.");
                else await JudgeAsync(judge, item, timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"No answer within {options.Timeout.TotalSeconds:0.###} s.");
            }
            await queue.CompleteAsync(item, CancellationToken.None);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            await queue.FailAsync(item, options.Node, $"{Reason(e)} (attempt {item.Attempt} on {options.Node})", options.MaxAttempts, CancellationToken.None);
        }
        return true;
    }

    /// <summary>An idle node looks for work less and less often (up to <see cref="MaxIdlePoll"/>), and at once again after work.</summary>
    private async Task LoopAsync(CancellationToken ct)
    {
        var idle = options.Poll;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (await StepAsync(ct)) { idle = options.Poll; continue; }
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // The queue could not be reached (a timeout on a busy database, say). The loop must live on: the
                // heartbeat alone would keep this node "working" and its share of every run would never be done.
                logger?.LogWarning(e, "Could not take work from the experiment queue; trying again");
                idle = MaxIdlePoll;
            }
            await Task.Delay(idle, time, ct);
            idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, Math.Max(MaxIdlePoll.Ticks, options.Poll.Ticks)));
        }
    }

    public static readonly TimeSpan MaxIdlePoll = TimeSpan.FromSeconds(2);

    private async Task HeartbeatAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.Lease / 3, time);
        while (await timer.WaitForNextTickAsync(ct))
        {
            try
            {
                await queue.RenewAsync(options.Node, options.Lease, ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // A missed renewal costs at most a lease: the next tick renews again before it runs out.
                logger?.LogWarning(e, "Could not renew this node's experiment leases");
            }
        }
    }

    private async Task GenerateAsync(WorkItem item, CancellationToken ct)
    {
        var context = await ContextAsync(item.ExperimentId, ct);
        var arm = context.Arms[item.Arm];
        var prompt = context.Prompts[item.Arm];
        var promptItem = context.Items[item.ItemId];
        var seed = ExperimentDesign.Seed(item.ExperimentId, item.ItemId, item.Sample);
        var (client, modelName) = models.For(arm.Model);

        List<ChatMessage> messages = [new(ChatRole.System, prompt.Text), .. promptItem.Turns.Select(ToMessage)];
        var chatOptions = new ChatOptions
        {
            Seed = seed,
            Temperature = (float?)arm.Sampling?.Temperature,
            TopP = (float?)arm.Sampling?.TopP,
            MaxOutputTokens = arm.Sampling?.MaxTokens ?? ExperimentDesign.DefaultMaxTokens,
        };
        var watch = Stopwatch.StartNew();
        var response = await client.GetResponseAsync(messages, chatOptions, ct);
        var recorded = new GenerationRecorded(item.ExperimentId, item.Arm, item.ItemId, item.Sample, seed, response.Text, modelName, prompt.Hash,
            response.FinishReason?.Value, (int?)response.Usage?.OutputTokenCount, watch.Elapsed.TotalMilliseconds, options.Node, item.Attempt);
        await RecordOnceAsync(ExperimentStream.GenerationId(item.ExperimentId, item.Arm, item.ItemId, item.Sample), recorded, ct);
    }

    /// <summary>A judging, a rubric score or a critique, each recorded on the stream of its key.</summary>
    private async Task JudgeAsync(ExperimentJudge judge, WorkItem item, CancellationToken ct)
    {
        var context = await ContextAsync(item.ExperimentId, ct);
        var (streamId, recorded) = item.Kind switch
        {
            WorkItem.Judge => (JudgeStream.Id(item.ExperimentId, item.Arm, item.ArmB, item.ItemId, item.Sample),
                (object)await judge.JudgeAsync(context, item, options.Node, ct)),
            WorkItem.Score => (JudgeStream.ScoreId(item.ExperimentId, item.Arm, item.ItemId, item.Sample, item.Section),
                await judge.ScoreAsync(context, item, options.Node, ct)),
            WorkItem.Critique => (JudgeStream.CritiqueId(item.ExperimentId, item.Arm, item.ItemId, item.Sample),
                await judge.CritiqueAsync(context, item, options.Node, ct)),
            _ => throw new InvalidOperationException($"Unknown work '{item.Kind}'."),
        };
        await RecordOnceAsync(streamId, recorded, ct);
    }

    /// <summary>Starts the result's stream; if another node started it first, that result stands and this one is dropped.</summary>
    internal async Task<bool> RecordOnceAsync(string streamId, object result, CancellationToken ct)
    {
        try
        {
            await streams.AppendAsync(streamId, ExpectedVersion.NoStream, [new NewEvent(Guid.NewGuid(), result)],
                new EventMetadata("system:experiments", options.Node, time.GetUtcNow(), Guid.NewGuid()), ct);
            return true;
        }
        catch (WrongExpectedVersionException)
        {
            return false;
        }
    }

    internal Task<RunContext> ContextAsync(Guid experimentId, CancellationToken ct)
    {
        var lazy = contexts.GetOrAdd(experimentId, id => new Lazy<Task<RunContext>>(() => LoadAsync(id)));
        // A failed load (say, the database was unreachable) is not kept: the next piece of work tries again.
        if (lazy.Value.IsFaulted) contexts.TryRemove(experimentId, out _);
        return lazy.Value.WaitAsync(ct);
    }

    private async Task<RunContext> LoadAsync(Guid experimentId)
    {
        var experiment = await experiments.ExperimentAsync(experimentId) ?? throw new InvalidOperationException("The experiment is gone.");
        var definition = experiment.Definition;
        var set = await promptSets.ReadAsync(definition.PromptSetId, definition.PromptSetVersion)
            ?? throw new InvalidOperationException("The experiment's prompt set version is gone.");
        var prompts = new Dictionary<string, CompiledPrompt>();
        foreach (var arm in definition.Arms)
        {
            var revision = await constitutions.RevisionAsync(arm.ConstitutionId, arm.Revision)
                ?? throw new InvalidOperationException($"Arm {arm.Letter}: the revision is gone.");
            prompts[arm.Letter] = PromptCompiler.Compile(revision.Markdown, revision.Sections, arm.Recipe);
        }
        return new RunContext(experiment, set.State.Items.ToDictionary(i => i.Id), prompts, definition.Arms.ToDictionary(a => a.Letter));
    }

    private static ChatMessage ToMessage(PromptTurn turn) => new(turn.Role == "assistant" ? ChatRole.Assistant : ChatRole.User, turn.Content);

    private static string Reason(Exception e) => e switch
    {
        TimeoutException t => t.Message,
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
