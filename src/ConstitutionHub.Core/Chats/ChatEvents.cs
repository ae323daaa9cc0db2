namespace ConstitutionHub.Core.Chats;

public enum ChatRole
{
    User,
    Assistant,
}

public enum MessageStatus
{
    /// <summary>A reply still being written; user messages are never streaming.</summary>
    Streaming,
    Complete,
    Failed,
    /// <summary>Cut off by a crash or restart; keeps the text written so far.</summary>
    Interrupted,
}

/// <summary>
/// Sampling settings as recorded with a chat. Core's own copy of the inference engine's settings (Core does not
/// reference the engine), so a transcript stays readable when the engine's types change.
/// </summary>
public sealed record SamplingRecord(
    double Temperature,
    int TopK,
    double TopP,
    double MinP,
    double RepetitionPenalty,
    int MaxNewTokens,
    long? Seed,
    IReadOnlyList<string> StopStrings);

/// <summary>
/// The model that wrote a reply: catalog id, SHA-256 of the weights file and where it ran. A remote model has no
/// weights file here: its <paramref name="FileSha256"/> is "" and it records the server it ran on and the model id that
/// server knows it by instead.
/// </summary>
public sealed record ModelRecord(string Id, string FileSha256, string ExecutionProvider, string? Endpoint = null, string? RemoteModel = null)
{
    // Derived, so never stored: events and read models keep the shape they had before remote models recorded more.
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsRemote => Endpoint is not null;
}

/// <summary>
/// Exactly what produced a reply: the constitution at one revision, the recipe (section id -> variant, "-" =
/// left out), the compiled system prompt and its hash, the model and the sampling settings.
/// </summary>
/// <param name="PromptHash">"sha256:" + lowercase hex of the UTF-8 bytes of <paramref name="SystemPrompt"/>.</param>
public sealed record ChatProvenance(
    Guid ConstitutionId,
    string Slug,
    int Revision,
    IReadOnlyDictionary<string, string> Recipe,
    string SystemPrompt,
    string PromptHash,
    ModelRecord Model,
    SamplingRecord Sampling)
{
    /// <summary>Value equality (records compare collections by reference).</summary>
    public bool SameAs(ChatProvenance? other) =>
        other is not null
        && ConstitutionId == other.ConstitutionId && Slug == other.Slug && Revision == other.Revision
        && SystemPrompt == other.SystemPrompt && PromptHash == other.PromptHash && Model == other.Model
        && Recipe.Count == other.Recipe.Count
        && Recipe.All(c => other.Recipe.TryGetValue(c.Key, out var v) && v == c.Value)
        && Sampling with { StopStrings = [] } == other.Sampling with { StopStrings = [] }
        && Sampling.StopStrings.SequenceEqual(other.Sampling.StopStrings);
}

public sealed record ChatStarted(Guid ChatId, ChatProvenance Provenance, string OwnerId, string OwnerName, string Title);

/// <summary>A user turn. <paramref name="ParentMessageId"/> is the reply it answers (null for a first turn); an
/// edit of an earlier turn is a new message with the same parent as the one edited, which starts a branch.</summary>
public sealed record UserMessagePosted(Guid MessageId, Guid? ParentMessageId, string Text);

/// <summary>
/// A reply to the user message <paramref name="ParentMessageId"/> begins (a regenerate is another reply to the
/// same parent). <paramref name="Provenance"/> is set only when this turn differs from the chat's start
/// (another constitution, revision, recipe, model or sampling); null means "as the chat started".
/// <paramref name="Node"/> names the server process writing it, so a restart interrupts only its own replies.
/// </summary>
public sealed record ReplyStarted(Guid MessageId, Guid ParentMessageId, ChatProvenance? Provenance, string Node);

/// <summary>A batch of generated text (the runner flushes every few hundred milliseconds, not per token).</summary>
/// <param name="CompletionTokens">Tokens generated so far for this reply, including this batch.</param>
public sealed record ReplyTokensAppended(Guid MessageId, string TextDelta, int CompletionTokens);

public sealed record ReplyCompleted(
    Guid MessageId, string FinishReason, int PromptTokens, int CompletionTokens, double? TimeToFirstTokenMs, double TokensPerSecond);

public sealed record ReplyFailed(Guid MessageId, string Error);

public sealed record ReplyInterrupted(Guid MessageId, string Reason);

public static class ChatStream
{
    public const string Type = "chat";

    public static string Id(Guid chatId) => $"chat-{chatId:N}";

    /// <summary>The stable name stored with each event (never the CLR name, so records can be renamed or moved).</summary>
    public static readonly IReadOnlyList<(Type Type, string Alias)> Events =
    [
        (typeof(ChatStarted), "chat_started"),
        (typeof(UserMessagePosted), "user_message_posted"),
        (typeof(ReplyStarted), "reply_started"),
        (typeof(ReplyTokensAppended), "reply_tokens_appended"),
        (typeof(ReplyCompleted), "reply_completed"),
        (typeof(ReplyFailed), "reply_failed"),
        (typeof(ReplyInterrupted), "reply_interrupted"),
    ];
}
