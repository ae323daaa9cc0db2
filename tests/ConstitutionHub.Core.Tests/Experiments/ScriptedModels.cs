using System.Collections.Concurrent;
using ConstitutionHub.Core.Experiments;
using Microsoft.Extensions.AI;

namespace ConstitutionHub.Core.Tests.Experiments;

/// <summary>
/// A test double for the models, because these tests are about the work queue, not about generation: they must hang,
/// fail or finish a given generation at a moment the test chooses (a node killed mid-generation, a judge that times
/// out), which a real model cannot be made to do. The real engine behind <see cref="IExperimentModels"/> is exercised
/// by the web tests and the benchmark. A reply names what it was asked, so tests can check what each arm received.
/// </summary>
public sealed class ScriptedModels : IExperimentModels
{
    public const string FixedChoiceKey = "test.fixed_choice";

    public ScriptedClient Client { get; } = new();

    public (IChatClient Client, string Name) For(string? model) => (Client, model ?? "scripted");

    public ChatOptions FixedChoice(ChatOptions options, IReadOnlyList<string> choices)
    {
        (options.AdditionalProperties ??= [])[FixedChoiceKey] = choices.ToArray();
        return options;
    }
}

public sealed class ScriptedClient : IChatClient
{
    /// <summary>Replaces the answer: given the messages and options, what to reply (may hang or throw).</summary>
    public Func<IList<ChatMessage>, ChatOptions?, CancellationToken, Task<string>>? Script { get; set; }

    public ConcurrentQueue<string> Prompts { get; } = new();
    public int Calls => calls;
    private int calls;

    public static string DefaultReply(IList<ChatMessage> messages, ChatOptions? options) =>
        $"reply to '{messages[^1].Text}' seed {options?.Seed} under {messages[0].Text.GetHashCode(StringComparison.Ordinal):x8}";

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        Interlocked.Increment(ref calls);
        Prompts.Enqueue(list[^1].Text);
        var text = Script is { } script ? await script(list, options, cancellationToken) : DefaultReply(list, options);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { FinishReason = ChatFinishReason.Stop };
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default) => throw new NotSupportedException("Experiments ask for whole replies.");

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
