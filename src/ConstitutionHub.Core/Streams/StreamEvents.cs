using System.Text.Json;

namespace ConstitutionHub.Core.Streams;

/// <summary>Who did something, when, and as part of which request. Stored with every event through Marten's
/// metadata: the actor id as its user name, the display name as a header, the command id as correlation id.</summary>
public sealed record EventMetadata(
    string ActorId,
    string ActorName,
    DateTimeOffset Time,
    Guid CorrelationId,
    Guid? CausationId = null);

/// <summary>
/// An event to append. <paramref name="Id"/> is the idempotency key: appending an event whose id is
/// already stored does nothing and reports the earlier result, so a retried command is applied once.
/// </summary>
public sealed record NewEvent(Guid Id, object Data);

/// <summary>An event as stored: its place in its stream and in the global log (Marten's sequence).</summary>
public sealed record StoredEvent(
    long Sequence,
    Guid Id,
    string StreamId,
    long Version,
    string Type,
    object Data,
    EventMetadata Metadata);

public static class ExpectedVersion
{
    /// <summary>The stream must not exist yet.</summary>
    public const long NoStream = 0;
}

public sealed record AppendResult(string StreamId, long Version, long LastSequence, bool AlreadyApplied);

/// <summary>The stream was not at the version the caller based its decision on.</summary>
public sealed class WrongExpectedVersionException(string streamId, long expected, long actual)
    : Exception(expected == ExpectedVersion.NoStream
        ? $"Stream '{streamId}' already exists (at version {actual}); it was expected to be new."
        : $"Stream '{streamId}' is at version {actual}, not the expected {expected}: someone else wrote to it in between.")
{
    public string StreamId { get; } = streamId;
    public long Expected { get; } = expected;
    public long Actual { get; } = actual;
}

/// <summary>Some of the event ids are stored already, but not as this same append: a client reused an id.</summary>
public sealed class IdempotencyConflictException(string message) : Exception(message);

/// <summary>Payload of the post-commit notification on <see cref="CommitAnnouncer.Channel"/>. <paramref name="Events"/>:
/// the commit's events of this stream when they fit in a notification, else null (read the stream).</summary>
public sealed record StreamChanged(string Stream, string Type, long Version, IReadOnlyList<AnnouncedEvent>? Events = null);

/// <summary>An event as carried in a notification; <see cref="CommitAnnouncer.EventsOf"/> turns it back into a stored event.</summary>
public sealed record AnnouncedEvent(long Sequence, Guid Id, long Version, string Type, JsonElement Data, EventMetadata Metadata);
