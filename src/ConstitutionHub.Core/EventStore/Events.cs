namespace ConstitutionHub.Core.EventStore;

/// <summary>Who did something, when, and as part of which request. Stored with every event.</summary>
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

/// <summary>An event as stored: its place in its stream, in the global log, and in commit order.</summary>
public sealed record StoredEvent(
    long Sequence,
    Guid Id,
    string StreamId,
    long Version,
    string Type,
    object Data,
    EventMetadata Metadata,
    DateTimeOffset Created,
    ulong TransactionId)
{
    public GlobalPosition Position => new(TransactionId, Sequence);
}

/// <summary>
/// A position in the global log. Sequences are taken before commit, so a lower sequence can become visible
/// after a higher one; ordering by (transaction id, sequence) and reading only transactions older than every
/// running one makes the log gap-safe (see <see cref="EventStore.ReadAllAsync"/>).
/// </summary>
public readonly record struct GlobalPosition(ulong TransactionId, long Sequence)
{
    public static readonly GlobalPosition Start = new(0, 0);
}

public static class ExpectedVersion
{
    /// <summary>The stream must not exist yet.</summary>
    public const long NoStream = 0;

    /// <summary>Append whatever the current version is (only for streams with no concurrent writers that matter).</summary>
    public const long Any = -1;
}

public sealed record AppendResult(string StreamId, long Version, long LastSequence, bool AlreadyApplied);

/// <summary>The stream was not at the version the caller based its decision on.</summary>
public sealed class WrongExpectedVersionException(string streamId, long expected, long actual)
    : Exception($"Stream '{streamId}' is at version {actual}, not the expected {expected}.")
{
    public string StreamId { get; } = streamId;
    public long Expected { get; } = expected;
    public long Actual { get; } = actual;
}

/// <summary>Some of the event ids are stored already, but not as this same append: a client reused an id.</summary>
public sealed class IdempotencyConflictException(string message) : Exception(message);
