namespace ConstitutionHub.Core.PromptSets;

/// <summary>One turn of a prompt: "user" or "assistant" (a multi-turn item carries earlier assistant replies).</summary>
public sealed record PromptTurn(string Role, string Content);

/// <summary>
/// One item of a prompt set: a user message or a short conversation that ends on a user turn, tags to filter by,
/// and optional notes on what a good answer does (shown to judges and voters). <paramref name="Id"/> is stable
/// across versions, so results of two runs of the same item can be compared.
/// </summary>
public sealed record PromptItem(string Id, IReadOnlyList<PromptTurn> Turns, IReadOnlyList<string> Tags, string? Notes = null)
{
    /// <summary>The last user message: what the item asks.</summary>
    public string Prompt => Turns[^1].Content;
}

/// <summary>A prompt set was made. Who and when are the event's metadata.</summary>
public sealed record PromptSetCreated(Guid Id, string Name, string Description);

/// <summary>Items were added or replaced (same id): by hand, from an import, or from a chat turn.</summary>
public sealed record PromptItemsSaved(IReadOnlyList<PromptItem> Items, string Source);

/// <summary>Items were taken out of the set; earlier versions still hold them.</summary>
public sealed record PromptItemsRemoved(IReadOnlyList<string> ItemIds);

public static class PromptSetStream
{
    public static string Id(Guid promptSetId) => $"promptset-{promptSetId:N}";

    /// <summary>The stable name stored with each event (never the CLR name).</summary>
    public static readonly IReadOnlyList<(Type Type, string Alias)> Events =
    [
        (typeof(PromptSetCreated), "prompt_set_created"),
        (typeof(PromptItemsSaved), "prompt_items_saved"),
        (typeof(PromptItemsRemoved), "prompt_items_removed"),
    ];
}
