using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Streams;
using Npgsql;

namespace ConstitutionHub.Core.PromptSets;

/// <summary>A prompt set as the list shows it.</summary>
public sealed record PromptSetRow(Guid Id, string Name, string Description, string OwnerId, string OwnerName, int Version, DateTimeOffset Updated);

/// <summary>A prompt set at one version, with who owns it.</summary>
public sealed record PromptSetView(PromptSetState State, string OwnerId, string OwnerName);

/// <summary>
/// Prompt sets, a stream each (<see cref="PromptSetStream"/>). Every change is an event, so each version can be read
/// back exactly (<see cref="ReadAsync"/> with a version): an experiment pins the version it ran on. Only the owner
/// changes a set; the expected version travels with each change, so two editors cannot overwrite each other.
/// </summary>
public sealed class PromptSets(EventStreams streams, NpgsqlDataSource dataSource, TimeProvider? clock = null)
{
    private readonly TimeProvider time = clock ?? TimeProvider.System;

    public async Task<PromptSetView> CreateAsync(Actor actor, string name, string description, IReadOnlyList<PromptItem> items, Guid commandId,
        CancellationToken ct = default)
    {
        name = name.Trim();
        if (name.Length is 0 or > PromptItemRules.MaxNameLength)
            throw new ValidationException("name", $"A prompt set's name is 1 to {PromptItemRules.MaxNameLength} characters.");
        // The command id names the set: a retried create finds its own first attempt.
        var id = commandId;
        var events = new List<NewEvent> { new(commandId, new PromptSetCreated(id, name, description.Trim())) };
        if (items.Count > 0) events.Add(new NewEvent(Derived(commandId, 1), new PromptItemsSaved(PromptItemRules.CheckAll(items), "create")));
        await streams.AppendAsync(PromptSetStream.Id(id), ExpectedVersion.NoStream, events, Metadata(actor, commandId), ct);
        return (await ReadAsync(id, null, ct))!;
    }

    /// <summary>Adds items, or replaces the items with the same ids. <paramref name="source"/>: "form", "jsonl", "csv", "chat".</summary>
    public async Task<PromptSetView> SaveItemsAsync(Actor actor, Guid id, int expectedVersion, IReadOnlyList<PromptItem> items, string source,
        Guid commandId, CancellationToken ct = default)
    {
        var current = await EditableAsync(actor, id, ct);
        var saved = PromptItemRules.CheckAll(items);
        var total = current.State.Items.Select(i => i.Id).Union(saved.Select(i => i.Id)).Count();
        if (total > PromptItemRules.MaxItems) throw new ValidationException("items", $"A prompt set holds at most {PromptItemRules.MaxItems} items.");
        await streams.AppendAsync(PromptSetStream.Id(id), expectedVersion, [new NewEvent(commandId, new PromptItemsSaved(saved, source))],
            Metadata(actor, commandId), ct);
        return (await ReadAsync(id, null, ct))!;
    }

    public async Task<PromptSetView> RemoveItemsAsync(Actor actor, Guid id, int expectedVersion, IReadOnlyList<string> itemIds, Guid commandId,
        CancellationToken ct = default)
    {
        var current = await EditableAsync(actor, id, ct);
        var unknown = itemIds.FirstOrDefault(i => current.State.Items.All(item => item.Id != i));
        if (unknown is not null) throw new ValidationException("itemIds", $"The set has no item '{unknown}'.");
        await streams.AppendAsync(PromptSetStream.Id(id), expectedVersion, [new NewEvent(commandId, new PromptItemsRemoved(itemIds))],
            Metadata(actor, commandId), ct);
        return (await ReadAsync(id, null, ct))!;
    }

    /// <summary>
    /// An item from a chat turn: the conversation on the branch up to and including the user message
    /// <paramref name="userMessageId"/> (earlier replies become the assistant turns), tagged "from-chat".
    /// </summary>
    public static PromptItem ItemFromChat(ChatThread thread, Guid userMessageId, IReadOnlyList<string> tags, string? notes)
    {
        var path = ChatTree.PathTo(thread.Messages, userMessageId);
        if (path.Count == 0 || path[^1].Role != ChatRole.User)
            throw new ValidationException("messageId", "Pick a message you wrote in this chat (a user turn).");
        var turns = path.Select(m => new PromptTurn(m.Role == ChatRole.User ? "user" : "assistant", m.Text)).ToList();
        // Keep the last few turns: a prompt set item is a short conversation, and it must start with the user.
        var start = Math.Max(0, turns.Count - PromptItemRules.MaxTurns);
        if (turns[start].Role != "user") start++;
        return new PromptItem(PromptSetFormats.ContentId(turns[start..]), turns[start..], ["from-chat", .. tags], notes);
    }

    /// <summary>The set at <paramref name="version"/> (null: the newest), or null when there is no such set or version.</summary>
    public Task<PromptSetView?> ReadAsync(Guid id, int? version = null, CancellationToken ct = default) =>
        ReadStreamAsync(PromptSetStream.Id(id), version, ct);

    public async Task<IReadOnlyList<PromptSetRow>> ListAsync(CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "select id, name, description, owner_id, owner_name, version, updated from prompt_sets order by updated desc limit 500");
        var rows = new List<PromptSetRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new PromptSetRow(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetInt32(5), reader.GetFieldValue<DateTimeOffset>(6)));
        return rows;
    }

    private async Task<PromptSetView?> ReadStreamAsync(string streamId, int? version, CancellationToken ct)
    {
        var events = await streams.ReadStreamAsync(streamId, ct: ct);
        if (events.Count == 0 || version is < 1 || version > events.Count) return null;
        var state = PromptSetState.From(events.Take(version ?? events.Count).Select(e => e.Data));
        return new PromptSetView(state, events[0].Metadata.ActorId, events[0].Metadata.ActorName);
    }

    private async Task<PromptSetView> EditableAsync(Actor actor, Guid id, CancellationToken ct)
    {
        var current = await ReadAsync(id, null, ct) ?? throw new NotFoundException("No such prompt set.");
        if (current.OwnerId != actor.Id) throw new ForbiddenException("Only the owner of this prompt set can change it.");
        return current;
    }

    private EventMetadata Metadata(Actor actor, Guid commandId) => new(actor.Id, actor.Name, time.GetUtcNow(), commandId);

    /// <summary>A second event id from a command id, stable across retries.</summary>
    private static Guid Derived(Guid commandId, byte n)
    {
        var bytes = commandId.ToByteArray();
        bytes[15] ^= n;
        return new Guid(bytes);
    }
}
