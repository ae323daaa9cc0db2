using System.Collections.Immutable;
using System.Text.RegularExpressions;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Chats;

/// <summary>What command handling knows about one message of a chat.</summary>
/// <param name="Position">Stream version of the event that created it: creation order, also among siblings.</param>
public sealed record ChatMessageState(
    Guid Id, Guid? ParentId, ChatRole Role, MessageStatus Status, int TextLength, int CompletionTokens, long Position);

/// <summary>What command handling needs to know about one chat. Built by <see cref="Apply"/> from its events, or
/// read from the inline read model (which the same events built), so a long chat is not replayed per token batch.</summary>
public sealed record ChatState(
    Guid Id,
    string OwnerId,
    ChatProvenance? Provenance,
    ImmutableDictionary<Guid, ChatMessageState> Messages,
    long Version)
{
    public static readonly ChatState Initial = new(Guid.Empty, "", null, ImmutableDictionary<Guid, ChatMessageState>.Empty, 0);

    public bool Exists => Id != Guid.Empty;

    public ChatState Apply(object @event)
    {
        var position = Version + 1;
        return (@event switch
        {
            ChatStarted e => this with { Id = e.ChatId, OwnerId = e.OwnerId, Provenance = e.Provenance },
            UserMessagePosted e => Add(new ChatMessageState(e.MessageId, e.ParentMessageId, ChatRole.User, MessageStatus.Complete,
                e.Text.Length, 0, position)),
            ReplyStarted e => Add(new ChatMessageState(e.MessageId, e.ParentMessageId, ChatRole.Assistant, MessageStatus.Streaming, 0, 0, position)),
            ReplyTokensAppended e => Update(e.MessageId, m => m with
            {
                TextLength = m.TextLength + e.TextDelta.Length, CompletionTokens = e.CompletionTokens,
            }),
            ReplyCompleted e => Update(e.MessageId, m => m with { Status = MessageStatus.Complete, CompletionTokens = e.CompletionTokens }),
            ReplyFailed e => Update(e.MessageId, m => m with { Status = MessageStatus.Failed }),
            ReplyInterrupted e => Update(e.MessageId, m => m with { Status = MessageStatus.Interrupted }),
            _ => this,
        }) with { Version = position };
    }

    public static ChatState From(IEnumerable<object> events) => events.Aggregate(Initial, (s, e) => s.Apply(e));

    private ChatState Add(ChatMessageState message) => this with { Messages = Messages.SetItem(message.Id, message) };

    private ChatState Update(Guid id, Func<ChatMessageState, ChatMessageState> change) =>
        Messages.TryGetValue(id, out var m) ? this with { Messages = Messages.SetItem(id, change(m)) } : this;
}

/// <summary>Command handling for chats: small pure functions from state and command to an event.</summary>
public static partial class ChatDecisions
{
    public const int MaxMessageLength = 16_000;
    /// <summary>Bounds one reply (the engine's own cap is 32,768 new tokens, a few characters each).</summary>
    public const int MaxReplyLength = 200_000;
    public const int MaxErrorLength = 2_000;
    public const int MaxStopStrings = 16;
    public const int MaxStopStringLength = 256;

    /// <summary>Finish reasons a completed reply may carry; an "error" finish is recorded with <see cref="Fail"/>.</summary>
    public static readonly IReadOnlySet<string> FinishReasons = new HashSet<string>(StringComparer.Ordinal) { "stop", "length", "cancelled" };

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Hex();

    public static ChatStarted Start(Guid chatId, string ownerId, string ownerName, string? title, ChatProvenance provenance)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ownerId);
        ValidateProvenance(provenance);
        title = string.IsNullOrWhiteSpace(title) ? $"{provenance.Slug} r{provenance.Revision} · {provenance.Model.Id}" : title;
        if (title.Length > DocumentRules.MaxTitleLength) title = title[..DocumentRules.MaxTitleLength];
        return new ChatStarted(chatId, provenance, ownerId, ownerName, DocumentRules.Title(title));
    }

    /// <summary>A user turn after <paramref name="parentId"/> (a finished reply), or a first turn when null.
    /// Posting after a reply that already has a follow-up starts a new branch: that is how an edit is recorded.</summary>
    public static UserMessagePosted PostUserMessage(ChatState state, Guid messageId, Guid? parentId, string? text)
    {
        MustExist(state);
        MustBeNew(state, messageId);
        text = MessageText(text);
        if (parentId is { } pid)
        {
            var parent = Message(state, pid, "parentMessageId");
            if (parent.Role != ChatRole.Assistant)
                throw new ValidationException("parentMessageId", "A user message follows a reply, not another user message; to change a message, post the new text after that message's parent.");
            switch (parent.Status)
            {
                case MessageStatus.Streaming:
                    throw new ValidationException("parentMessageId", "The reply on this branch is still being written; wait for it to finish or stop it first.");
                case MessageStatus.Failed:
                    throw new ValidationException("parentMessageId", "That reply failed; regenerate it, or edit the message before it.");
            }
        }
        return new UserMessagePosted(messageId, parentId, text);
    }

    /// <summary>A reply to the user message <paramref name="parentId"/>; a second reply to the same parent is a regenerate.</summary>
    /// <param name="provenance">What this turn runs with, or null for the chat's own; recorded only when it differs.</param>
    public static ReplyStarted StartReply(ChatState state, Guid messageId, Guid parentId, ChatProvenance? provenance, string node)
    {
        MustExist(state);
        MustBeNew(state, messageId);
        ArgumentException.ThrowIfNullOrWhiteSpace(node);
        var parent = Message(state, parentId, "parentMessageId");
        if (parent.Role != ChatRole.User)
            throw new ValidationException("parentMessageId", "A reply answers a user message; regenerate by replying to the user message again.");
        if (state.Messages.Values.Any(m => m.ParentId == parentId && m.Status == MessageStatus.Streaming))
            throw new ValidationException("parentMessageId", "A reply to this message is still being written; wait for it to finish or stop it first.");
        if (provenance is not null) ValidateProvenance(provenance);
        return new ReplyStarted(messageId, parentId, provenance is null || provenance.SameAs(state.Provenance) ? null : provenance, node);
    }

    public static ReplyTokensAppended AppendTokens(ChatState state, Guid messageId, string? delta, int completionTokens)
    {
        var reply = StreamingReply(state, messageId, "append to");
        delta ??= "";
        if (completionTokens < reply.CompletionTokens)
            throw new ValidationException("completionTokens", $"The token count only grows: this reply already has {reply.CompletionTokens} tokens, got {completionTokens}.");
        if (delta.Length == 0 && completionTokens == reply.CompletionTokens)
            throw new ValidationException("textDelta", "Nothing to append: the batch is empty.");
        if (reply.TextLength + delta.Length > MaxReplyLength)
            throw new ValidationException("textDelta", $"A reply holds at most {MaxReplyLength:N0} characters.");
        return new ReplyTokensAppended(messageId, delta, completionTokens);
    }

    public static ReplyCompleted Complete(ChatState state, Guid messageId, string finishReason, int promptTokens, int completionTokens,
        double? timeToFirstTokenMs, double tokensPerSecond)
    {
        var reply = StreamingReply(state, messageId, "complete");
        if (!FinishReasons.Contains(finishReason))
            throw new ValidationException("finishReason", $"A reply finishes with 'stop', 'length' or 'cancelled' (an error is recorded as a failure); got '{finishReason}'.");
        if (promptTokens < 0) throw new ValidationException("promptTokens", "The prompt token count cannot be negative.");
        if (completionTokens < reply.CompletionTokens)
            throw new ValidationException("completionTokens", $"The reply already has {reply.CompletionTokens} tokens; the final count cannot be {completionTokens}.");
        if (timeToFirstTokenMs is < 0 || (timeToFirstTokenMs is { } t && !double.IsFinite(t)))
            throw new ValidationException("timeToFirstTokenMs", "The time to the first token must be a finite, non-negative number of milliseconds.");
        if (!double.IsFinite(tokensPerSecond) || tokensPerSecond < 0)
            throw new ValidationException("tokensPerSecond", "Tokens per second must be a finite, non-negative number.");
        return new ReplyCompleted(messageId, finishReason, promptTokens, completionTokens, timeToFirstTokenMs, tokensPerSecond);
    }

    public static ReplyFailed Fail(ChatState state, Guid messageId, string? error)
    {
        StreamingReply(state, messageId, "fail");
        error = string.IsNullOrWhiteSpace(error) ? "The reply failed." : error.Trim();
        return new ReplyFailed(messageId, error.Length > MaxErrorLength ? error[..MaxErrorLength] : error);
    }

    public static ReplyInterrupted Interrupt(ChatState state, Guid messageId, string? reason)
    {
        StreamingReply(state, messageId, "interrupt");
        reason = string.IsNullOrWhiteSpace(reason) ? "The reply was interrupted." : reason.Trim();
        return new ReplyInterrupted(messageId, reason.Length > MaxErrorLength ? reason[..MaxErrorLength] : reason);
    }

    /// <summary>Refuses a provenance that does not describe itself consistently (the hash must be the prompt's).</summary>
    public static void ValidateProvenance(ChatProvenance p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (p.ConstitutionId == Guid.Empty) throw new ValidationException("constitutionId", "A chat needs the id of the constitution it tests.");
        DocumentRules.Slug(p.Slug);
        if (p.Revision < 1) throw new ValidationException("revision", $"Revision numbers start at 1; got {p.Revision}.");
        if (p.Recipe is null) throw new ValidationException("recipe", "The recipe is required (empty means every section's default variant).");
        if (p.SystemPrompt is null) throw new ValidationException("systemPrompt", "The compiled system prompt is required.");
        if (p.PromptHash != TextLines.Sha256(p.SystemPrompt))
            throw new ValidationException("promptHash", "The prompt hash is not the SHA-256 of the system prompt text.");
        if (p.Model is null || string.IsNullOrWhiteSpace(p.Model.Id)) throw new ValidationException("model", "The model id is required.");
        if (p.Model.IsRemote)
        {
            if (!Uri.TryCreate(p.Model.Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https") || endpoint.UserInfo.Length > 0)
                throw new ValidationException("model", "A remote model's endpoint must be an absolute http(s) address without credentials.");
            if (string.IsNullOrWhiteSpace(p.Model.RemoteModel))
                throw new ValidationException("model", "A remote model records the model id its server knows it by.");
            if (p.Model.FileSha256 is not "")
                throw new ValidationException("model", "A remote model has no weights file here; its file hash is empty.");
        }
        else if (p.Model.FileSha256 is null || !Sha256Hex().IsMatch(p.Model.FileSha256))
            throw new ValidationException("model", "The model file hash must be 64 lowercase hexadecimal characters (SHA-256).");
        if (string.IsNullOrWhiteSpace(p.Model.ExecutionProvider)) throw new ValidationException("model", "The execution provider is required.");
        ValidateSampling(p.Sampling);
    }

    private static void ValidateSampling(SamplingRecord? s)
    {
        // The same ranges the engine enforces, so a transcript never records settings no run could have used.
        if (s is null) throw new ValidationException("sampling", "The sampling settings are required.");
        if (!double.IsFinite(s.Temperature) || s.Temperature is < 0 or > 2)
            throw new ValidationException("sampling.temperature", $"temperature must be between 0 and 2; got {s.Temperature}.");
        if (s.TopK < 0) throw new ValidationException("sampling.topK", $"top_k must be 0 (disabled) or positive; got {s.TopK}.");
        if (!double.IsFinite(s.TopP) || s.TopP is <= 0 or > 1)
            throw new ValidationException("sampling.topP", $"top_p must be greater than 0 and at most 1; got {s.TopP}.");
        if (!double.IsFinite(s.MinP) || s.MinP is < 0 or > 1)
            throw new ValidationException("sampling.minP", $"min_p must be between 0 and 1; got {s.MinP}.");
        if (!double.IsFinite(s.RepetitionPenalty) || s.RepetitionPenalty is <= 0 or > 10)
            throw new ValidationException("sampling.repetitionPenalty", $"repetition_penalty must be greater than 0 and at most 10; got {s.RepetitionPenalty}.");
        if (s.MaxNewTokens is < 1 or > 32_768)
            throw new ValidationException("sampling.maxNewTokens", $"max_new_tokens must be between 1 and 32768; got {s.MaxNewTokens}.");
        if (s.StopStrings is null || s.StopStrings.Count > MaxStopStrings || s.StopStrings.Any(x => string.IsNullOrEmpty(x) || x.Length > MaxStopStringLength))
            throw new ValidationException("sampling.stopStrings", $"At most {MaxStopStrings} stop strings, each 1 to {MaxStopStringLength} characters.");
    }

    /// <summary>The checks a user message passes, for callers that must refuse it before creating anything (the
    /// first message of a new chat: a refused one must not leave an empty chat behind).</summary>
    public static string MessageText(string? text)
    {
        text ??= "";
        if (string.IsNullOrWhiteSpace(text)) throw new ValidationException("text", "A message cannot be empty.");
        if (text.Length > MaxMessageLength)
            throw new ValidationException("text", $"A message has at most {MaxMessageLength:N0} characters; this one has {text.Length:N0}.");
        if (text.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
            throw new ValidationException("text", "A message cannot contain control characters other than line breaks and tabs.");
        return text;
    }

    private static void MustExist(ChatState state)
    {
        if (!state.Exists) throw new NotFoundException("No such chat.");
    }

    private static void MustBeNew(ChatState state, Guid messageId)
    {
        if (messageId == Guid.Empty) throw new ValidationException("messageId", "A message needs an id.");
        if (state.Messages.ContainsKey(messageId)) throw new ValidationException("messageId", $"Message {messageId} already exists in this chat.");
    }

    private static ChatMessageState Message(ChatState state, Guid id, string field) =>
        state.Messages.TryGetValue(id, out var m) ? m : throw new ValidationException(field, $"Message {id} is not part of this chat.");

    private static ChatMessageState StreamingReply(ChatState state, Guid messageId, string verb)
    {
        MustExist(state);
        var reply = Message(state, messageId, "messageId");
        if (reply.Role != ChatRole.Assistant) throw new ValidationException("messageId", $"Cannot {verb} a user message; only replies stream.");
        return reply.Status == MessageStatus.Streaming
            ? reply
            : throw new ValidationException("messageId", $"Cannot {verb} this reply: it is already {reply.Status.ToString().ToLowerInvariant()}.");
    }
}
