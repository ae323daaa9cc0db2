using System.Runtime.CompilerServices;
using ConstitutionHub.Inference;

namespace ConstitutionHub.Web.Tests.Inference;

/// <summary>
/// A test double for a local model, for the serving tests that control timing and failures: on the message "wait" it
/// yields one word and then waits until cancelled (limits, queues, disconnects); on "fail" it yields one word and
/// then fails; otherwise it echoes the last user message word by word, so answers, token counts, max tokens and stop
/// strings can be checked exactly, and it remembers the last request. A broken model sits beside it. The demo model
/// cannot wait, fail or echo on demand; what it serves for real is covered by <see cref="DemoModelServingTests"/>.
/// </summary>
public sealed class StandInLocalModel : IChatModel
{
    public const string Id = "demo-standin";
    public const string BrokenId = "broken-standin";
    public const string Sha256 = "4f1c9a0d2b7e6c5a8f3e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a";

    private TaskCompletionSource waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ModelInfo Info { get; } = new(Id, "Stand-in demo model", "qwen2", 1_500_000, 2048, Sha256, "cpu", IsDemo: true);
    public GenerationRequest? LastRequest { get; private set; }

    /// <summary>Completes when a "wait" request has started; <see cref="Cancelled"/> when one was cancelled.</summary>
    public Task Waiting => waiting.Task;
    public Task Cancelled => cancelled.Task;

    public void ResetWaits()
    {
        waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
        cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Registers the stand-in (and one broken model beside it) as the app's local models.</summary>
    public static StandInLocalModel Register(WebApplicationBuilder builder)
    {
        var model = new StandInLocalModel();
        var broken = new ModelInfo(BrokenId, "Broken stand-in", "llama", 0, 0, "", "cpu", IsDemo: false, Error: "model.onnx is missing from models/broken-standin.");
        builder.Services.AddSingleton(model);
        builder.Services.AddSingleton<ILocalModelScanner>(new FixedScanner([new LoadedModel(model.Info, model), new LoadedModel(broken, null)]));
        return model;
    }

    public async IAsyncEnumerable<GenerationUpdate> StreamAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        LastRequest = request;
        var prompt = request.Messages.Sum(m => m.Content.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        var said = request.Messages.LastOrDefault(m => m.Role == "user")?.Content ?? "";
        if (said == "wait")
        {
            yield return new GenerationUpdate("Waiting", prompt, 1, TimeToFirstTokenMs: 1);
            waiting.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                if (cancellationToken.IsCancellationRequested) cancelled.TrySetResult();
            }
        }

        if (said == "fail")
        {
            yield return new GenerationUpdate("Partly", prompt, 1, TimeToFirstTokenMs: 1);
            throw new InferenceException("model_error", "The stand-in model failed on purpose.");
        }

        var words = $"You said: {said}".Split(' ');
        var text = "";
        for (var i = 0; i < words.Length; i++)
        {
            if (i == request.Sampling.MaxNewTokens)
            {
                yield return new GenerationUpdate("", prompt, i, FinishReasons.Length, 1, 100);
                yield break;
            }
            var piece = i == 0 ? words[0] : " " + words[i];
            var stop = request.Sampling.StopStrings?.Select(s => (text + piece).IndexOf(s, StringComparison.Ordinal)).Where(at => at >= 0).DefaultIfEmpty(-1).Min() ?? -1;
            if (stop >= 0)
            {
                // A stop string across the last boundary cannot take back text already sent.
                var kept = (text + piece)[..Math.Max(stop, text.Length)][text.Length..];
                if (kept.Length > 0) yield return new GenerationUpdate(kept, prompt, i + 1, TimeToFirstTokenMs: 1);
                yield return new GenerationUpdate("", prompt, i + 1, FinishReasons.Stop, 1, 100);
                yield break;
            }
            text += piece;
            await Task.Yield();
            yield return new GenerationUpdate(piece, prompt, i + 1, TimeToFirstTokenMs: 1, TokensPerSecond: 100);
        }
        yield return new GenerationUpdate("", prompt, words.Length, FinishReasons.Stop, 1, 100);
    }

    private sealed class FixedScanner(IReadOnlyList<LoadedModel> models) : ILocalModelScanner
    {
        public IReadOnlyList<LoadedModel> Scan(InferenceOptions options) => models;
    }
}
