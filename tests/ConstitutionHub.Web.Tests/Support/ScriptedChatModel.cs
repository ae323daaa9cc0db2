using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using ConstitutionHub.Inference;

namespace ConstitutionHub.Web.Tests.Support;

/// <summary>
/// A model whose tokens the test decides, for the chat tests that control timing and failures: a set pace, a reply
/// long enough to stop by hand, queue positions before the first token, failures after so many tokens, and the
/// requests it received. The demo model cannot be made to do any of that (its replies end when it says so, its pace
/// is the machine's), so those tests use this test double; what the real model does in a chat is covered by
/// <see cref="ConstitutionHub.Web.Tests.Chats.DemoModelChatBrowserTests"/> and the crash test.
/// </summary>
public sealed class ScriptedChatModel(string id, bool isDemo = true) : IChatModel
{
    public ModelInfo Info { get; } = new(id, isDemo ? $"{id} demo" : id, "scripted", 1_000_000, 4096,
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id))), "cpu", isDemo);

    /// <summary>The reply as tokens; by default "w001 w002 …" so a missing or doubled token shows in the text.</summary>
    public Func<GenerationRequest, IReadOnlyList<string>> Script { get; set; } = _ => Numbered(80);

    public TimeSpan Pace { get; set; } = TimeSpan.FromMilliseconds(25);

    /// <summary>Queue positions reported (one per pace step, counting down) before the first token.</summary>
    public int QueuedBehind { get; set; }

    /// <summary>Throws this after so many tokens (0: before the first).</summary>
    public (int AfterTokens, InferenceException Error)? Failure { get; set; }

    public ConcurrentQueue<GenerationRequest> Requests { get; } = new();

    public static IReadOnlyList<string> Numbered(int count) => Enumerable.Range(1, count).Select(i => $"w{i:000} ").ToList();

    public static string Text(IReadOnlyList<string> tokens) => string.Concat(tokens);

    public async IAsyncEnumerable<GenerationUpdate> StreamAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Requests.Enqueue(request);
        var tokens = Script(request);
        var promptTokens = request.Messages.Sum(m => m.Content.Length / 4 + 1);
        for (var ahead = QueuedBehind; ahead > 0; ahead--)
        {
            yield return new GenerationUpdate("", promptTokens, 0, QueuePosition: ahead);
            await Task.Delay(Pace, cancellationToken);
        }
        var started = DateTime.UtcNow;
        double? firstTokenMs = null;
        var count = 0;
        foreach (var token in tokens)
        {
            if (Failure is { } f && count == f.AfterTokens) throw f.Error;
            await Task.Delay(Pace, cancellationToken);
            count++;
            firstTokenMs ??= (DateTime.UtcNow - started).TotalMilliseconds;
            var last = count == tokens.Count || count == request.Sampling.MaxNewTokens;
            var finish = !last ? null : count == request.Sampling.MaxNewTokens && count < tokens.Count ? FinishReasons.Length : FinishReasons.Stop;
            yield return new GenerationUpdate(token, promptTokens, count, finish, firstTokenMs,
                count / Math.Max(0.001, (DateTime.UtcNow - started).TotalSeconds));
            if (last) yield break;
        }
        if (Failure is { } end && count == end.AfterTokens) throw end.Error;
    }
}

/// <summary>The catalog of scripted models; the first demo model is the default.</summary>
public sealed class ScriptedModelCatalog(params ScriptedChatModel[] models) : IModelCatalog
{
    public IReadOnlyList<ModelInfo> Models => models.Select(m => m.Info).ToList();
    public string? DefaultModelId => models.FirstOrDefault(m => m.Info.IsDemo)?.Info.Id;
    public Microsoft.Extensions.AI.IChatClient? Find(string id) =>
        models.FirstOrDefault(m => m.Info.Id == id) is { } model ? new ConstitutionHub.Inference.Serving.ChatModelClient(model) : null;

    public void Register(WebApplicationBuilder builder) => builder.Services.AddSingleton<IModelCatalog>(this);
}
