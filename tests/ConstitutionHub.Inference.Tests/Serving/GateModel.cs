using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.AI;

namespace ConstitutionHub.Inference.Tests.Serving;

/// <summary>
/// Stands in for a model so the tests control timing: every generation yields one token, then waits until the
/// test finishes or fails it (or, with <see cref="AutoFinish"/>, ends at once). A real model's timing cannot be
/// steered like this.
/// </summary>
internal sealed class GateModel(string id = "gate", bool isDemo = false) : IChatModel
{
    private int active;
    private int maxActive;

    public ModelInfo Info { get; } = new(id, $"Gate {id}", "test", 1, 512, "", "cpu", isDemo);
    public bool AutoFinish { get; init; }
    public Channel<GateRun> Started { get; } = Channel.CreateUnbounded<GateRun>();
    public int Active => Volatile.Read(ref active);
    public int MaxActive => Volatile.Read(ref maxActive);

    public async IAsyncEnumerable<GenerationUpdate> StreamAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var run = new GateRun(request);
        var now = Interlocked.Increment(ref active);
        for (var seen = maxActive; now > seen; seen = maxActive) Interlocked.CompareExchange(ref maxActive, now, seen);
        Started.Writer.TryWrite(run);
        try
        {
            yield return new GenerationUpdate("hello", 3, 1, TimeToFirstTokenMs: 1);
            if (AutoFinish) await Task.Yield();
            else if (!await run.Outcome.Task.WaitAsync(cancellationToken))
                throw new InferenceException("model_error", "The test model failed on purpose.");
            yield return new GenerationUpdate(" world", 3, 2, FinishReasons.Stop, 1, 10);
        }
        finally
        {
            Interlocked.Decrement(ref active);
            run.Ended.TrySetResult();
        }
    }

    public async Task<GateRun> NextStartAsync() => await Started.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    public bool AnotherStarted() => Started.Reader.TryPeek(out _);
}

internal sealed class GateRun(GenerationRequest request)
{
    public GenerationRequest Request { get; } = request;
    public string User => Request.UserId;
    public TaskCompletionSource<bool> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public void Finish() => Outcome.TrySetResult(true);
    public void Fail() => Outcome.TrySetResult(false);
}

/// <summary>Reads one request's stream in the background, so a test can watch its updates arrive.</summary>
internal sealed class Consumer
{
    private readonly Channel<ChatResponseUpdate> updates = Channel.CreateUnbounded<ChatResponseUpdate>();

    public Consumer(IChatClient model, string user, CancellationToken cancellationToken = default, SamplingSettings? sampling = null)
    {
        var options = HubChat.Options(sampling ?? SamplingSettings.Greedy(16), user);
        Done = Task.Run(async () =>
        {
            try
            {
                await foreach (var update in model.GetStreamingResponseAsync([new Microsoft.Extensions.AI.ChatMessage(ChatRole.User, "hi")], options, cancellationToken))
                    updates.Writer.TryWrite(update);
            }
            finally
            {
                updates.Writer.TryComplete();
            }
        });
    }

    public Task Done { get; }

    public async Task<ChatResponseUpdate> NextAsync() => await updates.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    /// <summary>Queue positions seen until the first token arrives.</summary>
    public async Task<List<int>> PositionsUntilRunningAsync()
    {
        var positions = new List<int>();
        while (true)
        {
            var update = await NextAsync();
            if (update.QueuePosition is not { } position) return positions;
            positions.Add(position);
        }
    }
}
