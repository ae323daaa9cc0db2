using ConstitutionHub.Core.Documents;

namespace ConstitutionHub.Core.PromptSets;

/// <summary>
/// A prompt set at one version: its stream replayed up to that event. Versions are the stream's versions, so an
/// experiment that names "version 7" always reads the same items, whatever was changed since.
/// </summary>
public sealed record PromptSetState(Guid Id, string Name, string Description, int Version, IReadOnlyList<PromptItem> Items)
{
    public static readonly PromptSetState Initial = new(Guid.Empty, "", "", 0, []);

    public bool Exists => Id != Guid.Empty;

    public PromptSetState Apply(object @event) => (@event switch
    {
        PromptSetCreated e => this with { Id = e.Id, Name = e.Name, Description = e.Description },
        PromptItemsSaved e => this with { Items = Upsert(Items, e.Items) },
        PromptItemsRemoved e => this with { Items = Items.Where(i => !e.ItemIds.Contains(i.Id)).ToList() },
        _ => this,
    }) with { Version = Version + 1 };

    public static PromptSetState From(IEnumerable<object> events) => events.Aggregate(Initial, (s, e) => s.Apply(e));

    /// <summary>Replaced items keep their place; new ones go to the end, in the order given.</summary>
    private static List<PromptItem> Upsert(IReadOnlyList<PromptItem> items, IReadOnlyList<PromptItem> saved)
    {
        var byId = saved.ToDictionary(i => i.Id);
        var result = items.Select(i => byId.Remove(i.Id, out var replaced) ? replaced : i).ToList();
        result.AddRange(saved.Where(i => byId.ContainsKey(i.Id)));
        return result;
    }
}

/// <summary>The rules every item obeys, wherever it comes from (form, JSONL, CSV, a chat turn).</summary>
public static class PromptItemRules
{
    public const int MaxItems = 10_000;
    public const int MaxTurns = 16;
    public const int MaxTurnLength = 20_000;
    public const int MaxTags = 16;
    public const int MaxTagLength = 40;
    public const int MaxIdLength = 64;
    public const int MaxNameLength = 120;

    /// <summary>The item as stored (tags trimmed, lower case, deduplicated), or a reason it is refused.</summary>
    public static PromptItem Check(PromptItem item, string where)
    {
        if (string.IsNullOrWhiteSpace(item.Id) || item.Id.Length > MaxIdLength || !item.Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new ValidationException("id", $"{where}: an item id is 1 to {MaxIdLength} letters, digits, '-', '_' or '.' (got '{item.Id}').");
        if (item.Turns is not { Count: > 0 })
            throw new ValidationException("messages", $"{where}: the item has no message.");
        if (item.Turns.Count > MaxTurns)
            throw new ValidationException("messages", $"{where}: at most {MaxTurns} turns per item.");
        for (var i = 0; i < item.Turns.Count; i++)
        {
            var turn = item.Turns[i];
            var expected = i % 2 == (item.Turns.Count - 1) % 2 ? "user" : "assistant";
            if (turn.Role != expected)
                throw new ValidationException("messages", $"{where}: turns alternate user and assistant and end on a user turn; turn {i + 1} is '{turn.Role}', expected '{expected}'.");
            if (string.IsNullOrWhiteSpace(turn.Content))
                throw new ValidationException("messages", $"{where}: turn {i + 1} is empty.");
            if (turn.Content.Length > MaxTurnLength)
                throw new ValidationException("messages", $"{where}: turn {i + 1} is longer than {MaxTurnLength} characters.");
        }
        var tags = (item.Tags ?? []).Select(t => t.Trim().ToLowerInvariant()).Where(t => t.Length > 0).Distinct().ToList();
        if (tags.Count > MaxTags || tags.Any(t => t.Length > MaxTagLength))
            throw new ValidationException("tags", $"{where}: at most {MaxTags} tags of at most {MaxTagLength} characters.");
        var notes = string.IsNullOrWhiteSpace(item.Notes) ? null : item.Notes.Trim();
        if (notes is { Length: > MaxTurnLength })
            throw new ValidationException("notes", $"{where}: notes are at most {MaxTurnLength} characters.");
        return new PromptItem(item.Id, item.Turns, tags, notes);
    }

    /// <summary>Checks a batch: each item, and no id twice.</summary>
    public static IReadOnlyList<PromptItem> CheckAll(IReadOnlyList<PromptItem> items)
    {
        if (items.Count == 0) throw new ValidationException("items", "There are no items.");
        if (items.Count > MaxItems) throw new ValidationException("items", $"At most {MaxItems} items at a time.");
        var checkedItems = items.Select((item, i) => Check(item, $"Item {i + 1}")).ToList();
        var twice = checkedItems.GroupBy(i => i.Id).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new ValidationException("id", $"The id '{twice.Key}' is used by more than one item.");
        return checkedItems;
    }
}
