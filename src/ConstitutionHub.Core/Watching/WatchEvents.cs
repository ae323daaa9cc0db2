namespace ConstitutionHub.Core.Watching;

public enum WatchKind
{
    /// <summary>Every new revision of the constitution.</summary>
    Constitution,
    /// <summary>New revisions that change one section (by its stable id).</summary>
    Section,
    /// <summary>Replies and status changes of one annotation thread.</summary>
    Thread,
}

/// <summary>What a person watches: a constitution, one of its sections (<paramref name="SectionId"/>) or one of its
/// threads (<paramref name="AnnotationId"/>).</summary>
public sealed record WatchTarget(WatchKind Kind, Guid ConstitutionId, string? SectionId = null, Guid? AnnotationId = null)
{
    /// <summary>The key of the target within its constitution, as the <c>watches</c> table stores it.</summary>
    public string Key => Kind switch
    {
        WatchKind.Section => SectionId ?? "",
        WatchKind.Thread => AnnotationId?.ToString("N") ?? "",
        _ => "",
    };
}

/// <summary>The person watches <paramref name="Target"/> from now on.</summary>
public sealed record WatchStarted(WatchTarget Target);

/// <summary>The person no longer watches <paramref name="Target"/>, also when they watched it by default (their own
/// thread or constitution).</summary>
public sealed record WatchStopped(WatchTarget Target);

/// <summary>One stream per person holds what they chose to watch and stop watching.</summary>
public static class WatchStream
{
    public const string Type = "watch";

    public static string Id(string personId) => $"watch-{personId}";

    public static string PersonOf(string streamId) => streamId["watch-".Length..];

    public static readonly IReadOnlyList<(Type Type, string Alias)> Events =
    [
        (typeof(WatchStarted), "watch_started"),
        (typeof(WatchStopped), "watch_stopped"),
    ];
}
