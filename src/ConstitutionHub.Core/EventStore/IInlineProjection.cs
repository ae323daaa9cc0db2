using Npgsql;

namespace ConstitutionHub.Core.EventStore;

/// <summary>
/// A read model updated in the same transaction as the append, so a page that just saved reads its own write.
/// A projection that throws aborts the append: events and read models never disagree.
/// </summary>
public interface IInlineProjection
{
    /// <summary>Stream type this projection follows (for example <c>constitution</c>).</summary>
    string StreamType { get; }

    Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<StoredEvent> events, CancellationToken ct);
}
