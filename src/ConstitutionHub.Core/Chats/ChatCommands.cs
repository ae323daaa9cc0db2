using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Streams;

namespace ConstitutionHub.Core.Chats;

/// <summary>What a person asks for when starting a chat: the prompt is compiled here, from the stored revision.</summary>
public sealed record StartChat(string Slug, int Revision, IReadOnlyDictionary<string, string> Recipe, ModelRecord Model,
    SamplingRecord Sampling, string? Title = null);

/// <summary>A turn of a chat written elsewhere, for <see cref="ChatCommands.StartTranscriptAsync"/>: a reply is complete.</summary>
public sealed record TranscriptTurn(ChatRole Role, string Text, string FinishReason = "stop", int CompletionTokens = 0);

/// <summary>
/// The write side of chats: loads state from the read model, asks <see cref="ChatDecisions"/> what happens and
/// appends with the expected version. Event and message ids derive from a command id, so a retried request is
/// applied once. Token batches, completion and failure come from the model runner on the server; posting and
/// starting replies are limited to the chat's owner.
/// </summary>
public sealed class ChatCommands(EventStreams store, ChatQueries chats, ConstitutionQueries constitutions)
{
    // Appends by the runner and by the owner (on another branch) may interleave; each retry re-decides on fresh state.
    private const int MaxRetries = 20;

    /// <summary>
    /// Compiles the system prompt of <paramref name="slug"/> at <paramref name="revision"/> with
    /// <paramref name="recipe"/> and records it with the model and sampling settings. Use it for a chat's start and
    /// for a turn that runs with another constitution, revision, recipe, model or sampling.
    /// </summary>
    public async Task<ChatProvenance> ProvenanceAsync(Actor? actor, string slug, int revision, IReadOnlyDictionary<string, string> recipe,
        ModelRecord model, SamplingRecord sampling, CancellationToken ct = default)
    {
        var constitution = DocumentAccess.EnsureRead(await constitutions.BySlugAsync(slug, ct), actor);
        var stored = await constitutions.RevisionAsync(constitution.Id, revision, ct)
            ?? throw new ValidationException("revision", $"Revision {revision} of '{slug}' does not exist.");
        var choices = new SortedDictionary<string, string>((recipe ?? new Dictionary<string, string>()).ToDictionary(), StringComparer.Ordinal);
        CompiledPrompt compiled;
        try
        {
            compiled = PromptCompiler.Compile(stored.Markdown, stored.Sections, new Recipe(choices));
        }
        catch (ArgumentException e) // also VariantSyntaxException: an unknown section or variant, or malformed variant blocks
        {
            throw new ValidationException("recipe", e.Message);
        }
        var provenance = new ChatProvenance(constitution.Id, constitution.Slug, revision, choices, compiled.Text, compiled.Hash, model, sampling);
        ChatDecisions.ValidateProvenance(provenance);
        return provenance;
    }

    public async Task<ChatRow> StartAsync(Actor actor, StartChat command, Guid commandId, CancellationToken ct = default)
    {
        var provenance = await ProvenanceAsync(actor, command.Slug, command.Revision, command.Recipe, command.Model, command.Sampling, ct);
        return await StartAsync(actor, provenance, command.Title, commandId, ct);
    }

    /// <summary>Starts a chat from a provenance built elsewhere (an import); it must be self-consistent.</summary>
    public async Task<ChatRow> StartAsync(Actor actor, ChatProvenance provenance, string? title, Guid commandId, CancellationToken ct = default)
    {
        var chatId = DeriveId(commandId, 0);
        var started = ChatDecisions.Start(chatId, actor.Id, actor.Name, title, provenance);
        await store.AppendAsync(ChatStream.Id(chatId), ExpectedVersion.NoStream,
            [new NewEvent(DeriveId(commandId, 1), started)], Metadata(actor, commandId), ct);
        return (await chats.ChatAsync(chatId, ct))!;
    }

    /// <summary>
    /// Starts a chat of <paramref name="actor"/>'s own holding the branch of <paramref name="source"/> (a shared
    /// chat's thread), to continue from there. The prompts are compiled again from the stored revisions, so a copy
    /// of a link that hides its system prompt reveals nothing the reader could not compile (reading the
    /// constitution is checked). The copy ends before the first reply that is still streaming or failed: a user
    /// message may not follow either. Everything is one append, so a copy is whole or absent.
    /// </summary>
    public async Task<ChatRow> CopyAsync(Actor actor, ChatThread source, Guid commandId, CancellationToken ct = default)
    {
        async Task<ChatProvenance> Recompile(ChatProvenance p) =>
            await ProvenanceAsync(actor, p.Slug, p.Revision, p.Recipe, p.Model, p.Sampling, ct);
        var transcript = new Transcript(actor, await Recompile(source.Provenance), $"Copy of {source.Chat.Title}", commandId);
        var ids = new Dictionary<Guid, Guid>();
        foreach (var message in source.Branch)
        {
            if (message.Role == ChatRole.Assistant && message.Status is MessageStatus.Streaming or MessageStatus.Failed) break;
            var id = transcript.NextId();
            Guid? parent = message.ParentId is { } p && ids.TryGetValue(p, out var mapped) ? mapped : null;
            ids[message.Id] = id;
            if (message.Role == ChatRole.User)
            {
                transcript.Add(ChatDecisions.PostUserMessage(transcript.State, id, parent, message.Text));
                continue;
            }
            var own = message.Provenance is { } mp ? await Recompile(mp) : null;
            transcript.Add(ChatDecisions.StartReply(transcript.State, id, parent ?? throw new InvalidDataException("A reply without a parent."), own, "copy"));
            if (message.Text.Length > 0 || message.CompletionTokens > 0)
                transcript.Add(ChatDecisions.AppendTokens(transcript.State, id, message.Text, message.CompletionTokens));
            transcript.Add(message.Status == MessageStatus.Interrupted
                ? ChatDecisions.Interrupt(transcript.State, id, message.Error)
                : ChatDecisions.Complete(transcript.State, id, message.FinishReason ?? "stop", message.PromptTokens ?? 0, message.CompletionTokens,
                    message.TimeToFirstTokenMs, message.TokensPerSecond ?? 0));
        }
        return await AppendAsync(transcript, ct);
    }

    /// <summary>
    /// Starts a chat that already holds <paramref name="turns"/> (alternating, from a user turn; replies complete),
    /// written elsewhere: an experiment's output opened as a chat to continue it. <paramref name="node"/> names where
    /// the replies came from. One append, so the chat is whole or absent, and a retried command is applied once.
    /// </summary>
    public async Task<ChatRow> StartTranscriptAsync(Actor actor, ChatProvenance provenance, string? title, IReadOnlyList<TranscriptTurn> turns,
        string node, Guid commandId, CancellationToken ct = default)
    {
        // A retry of a command that went through finds its chat.
        if (await chats.ChatAsync(DeriveId(commandId, 0), ct) is { } done) return done;
        var transcript = new Transcript(actor, provenance, title, commandId);
        Guid? parent = null;
        foreach (var turn in turns)
        {
            var id = transcript.NextId();
            if (turn.Role == ChatRole.User)
                transcript.Add(ChatDecisions.PostUserMessage(transcript.State, id, parent, turn.Text));
            else
            {
                transcript.Add(ChatDecisions.StartReply(transcript.State, id,
                    parent ?? throw new ValidationException("turns", "A transcript starts with a user turn."), null, node));
                if (turn.Text.Length > 0 || turn.CompletionTokens > 0)
                    transcript.Add(ChatDecisions.AppendTokens(transcript.State, id, turn.Text, turn.CompletionTokens));
                transcript.Add(ChatDecisions.Complete(transcript.State, id, turn.FinishReason, 0, turn.CompletionTokens, null, 0));
            }
            parent = id;
        }
        return await AppendAsync(transcript, ct);
    }

    private async Task<ChatRow> AppendAsync(Transcript transcript, CancellationToken ct)
    {
        await store.AppendAsync(ChatStream.Id(transcript.ChatId), ExpectedVersion.NoStream, transcript.NewEvents(),
            Metadata(transcript.Actor, transcript.CommandId), ct);
        return (await chats.ChatAsync(transcript.ChatId, ct))!;
    }

    /// <summary>
    /// The events of a chat made whole in one append, each decided on the state of those before it. Message ids come
    /// first (index 2 on), event ids after them, all derived from the command id, so a retry derives the same ids.
    /// </summary>
    private sealed class Transcript
    {
        private readonly List<object> events = [];
        private int index = 2;

        public Transcript(Actor actor, ChatProvenance provenance, string? title, Guid commandId)
        {
            (Actor, CommandId, ChatId) = (actor, commandId, DeriveId(commandId, 0));
            Add(ChatDecisions.Start(ChatId, actor.Id, actor.Name, title, provenance));
        }

        public Actor Actor { get; }
        public Guid CommandId { get; }
        public Guid ChatId { get; }
        public ChatState State { get; private set; } = ChatState.Initial;

        public Guid NextId() => DeriveId(CommandId, index++);

        public void Add(object e)
        {
            events.Add(e);
            State = State.Apply(e);
        }

        public IReadOnlyList<NewEvent> NewEvents() => events.Select((e, i) => new NewEvent(DeriveId(CommandId, index + i), e)).ToList();
    }

    /// <summary>Posts a user turn after <paramref name="parentMessageId"/> (null for a first turn). To edit an earlier
    /// turn, post the new text with that turn's parent: the chat branches there. Returns the new message id.</summary>
    public Task<Guid> PostUserMessageAsync(Actor actor, Guid chatId, Guid? parentMessageId, string text, Guid commandId,
        CancellationToken ct = default)
    {
        var messageId = DeriveId(commandId, 0);
        return DecideAsync(actor, chatId, commandId, ownerOnly: true,
            state => ChatDecisions.PostUserMessage(state, messageId, parentMessageId, text), () => messageId, ct);
    }

    /// <summary>Begins a reply to the user message <paramref name="parentMessageId"/>; a second reply to the same
    /// parent is a regenerate. <paramref name="provenance"/> is what this turn runs with (null: as the chat started).
    /// <paramref name="node"/> names this server process (see <see cref="ChatRecovery"/>). Returns the reply's id.</summary>
    public Task<Guid> StartReplyAsync(Actor actor, Guid chatId, Guid parentMessageId, ChatProvenance? provenance, string node, Guid commandId,
        CancellationToken ct = default)
    {
        var messageId = DeriveId(commandId, 0);
        return DecideAsync(actor, chatId, commandId, ownerOnly: true,
            state => ChatDecisions.StartReply(state, messageId, parentMessageId, provenance, node), () => messageId, ct);
    }

    /// <summary>Appends a batch of generated text. Call with batches (every few hundred milliseconds), not per token:
    /// every call is an event and a transaction.</summary>
    public Task AppendTokensAsync(Actor actor, Guid chatId, Guid messageId, string textDelta, int completionTokens, Guid commandId,
        CancellationToken ct = default) =>
        DecideAsync(actor, chatId, commandId, ownerOnly: false,
            state => ChatDecisions.AppendTokens(state, messageId, textDelta, completionTokens), () => 0, ct);

    public Task CompleteReplyAsync(Actor actor, Guid chatId, Guid messageId, string finishReason, int promptTokens, int completionTokens,
        double? timeToFirstTokenMs, double tokensPerSecond, Guid commandId, CancellationToken ct = default) =>
        DecideAsync(actor, chatId, commandId, ownerOnly: false,
            state => ChatDecisions.Complete(state, messageId, finishReason, promptTokens, completionTokens, timeToFirstTokenMs, tokensPerSecond),
            () => 0, ct);

    public Task FailReplyAsync(Actor actor, Guid chatId, Guid messageId, string error, Guid commandId, CancellationToken ct = default) =>
        DecideAsync(actor, chatId, commandId, ownerOnly: false, state => ChatDecisions.Fail(state, messageId, error), () => 0, ct);

    public Task InterruptReplyAsync(Actor actor, Guid chatId, Guid messageId, string reason, Guid commandId, CancellationToken ct = default) =>
        DecideAsync(actor, chatId, commandId, ownerOnly: false, state => ChatDecisions.Interrupt(state, messageId, reason), () => 0, ct);

    private async Task<T> DecideAsync<T>(Actor actor, Guid chatId, Guid commandId, bool ownerOnly, Func<ChatState, object> decide,
        Func<T> result, CancellationToken ct)
    {
        var eventId = DeriveId(commandId, 1);
        for (var attempt = 0; ; attempt++)
        {
            // A retry of a command that went through: report its result instead of refusing the now-taken id.
            if (await store.FindAsync(eventId, ct) is not null) return result();
            var state = await chats.StateAsync(chatId, ct) ?? throw new NotFoundException("No such chat.");
            if (ownerOnly && actor.Id != state.OwnerId && actor != Actor.System)
                throw new ForbiddenException("Only the person who started this chat can write in it.");
            var @event = decide(state);
            try
            {
                await store.AppendAsync(ChatStream.Id(chatId), state.Version, [new NewEvent(eventId, @event)],
                    Metadata(actor, commandId), ct);
                return result();
            }
            catch (WrongExpectedVersionException) when (attempt < MaxRetries)
            {
                // Another append landed between our read and ours: decide again on the newer state, after a short
                // random pause so two writers that collided do not collide again in lockstep.
                await Task.Delay(Random.Shared.Next(1, 5 + attempt * 3), ct);
            }
        }
    }

    private static EventMetadata Metadata(Actor actor, Guid commandId) => new(actor.Id, actor.Name, DateTimeOffset.UtcNow, commandId);

    /// <summary>Ids derived from the command id: the same command retried produces the same ids.</summary>
    internal static Guid DeriveId(Guid commandId, int index) => ConstitutionCommands.DeriveId(commandId, index);
}
