using System.Text.Json;
using JasperFx.Events;

namespace ConstitutionHub.Core.Streams;

/// <summary>How our <see cref="EventMetadata"/> rides on Marten's event metadata, both ways.</summary>
internal static class MartenEvents
{
    /// <summary>Marten's user name column holds the actor id; the display name is a header.</summary>
    public const string ActorNameHeader = "actor_name";

    public static void Stamp(IEvent e, Guid id, EventMetadata metadata)
    {
        e.Id = id;
        // Stored as it is (QuickWithServerTimestamps): the event's time is the command's, as before Marten.
        e.Timestamp = metadata.Time;
        e.UserName = metadata.ActorId;
        e.CorrelationId = metadata.CorrelationId.ToString();
        e.CausationId = metadata.CausationId?.ToString();
        e.SetHeader(ActorNameHeader, metadata.ActorName);
    }

    public static string ActorId(this IEvent e) => e.UserName ?? "";

    public static string ActorName(this IEvent e) =>
        e.GetHeader(ActorNameHeader) switch
        {
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } j => j.GetString()!,
            null => e.UserName ?? "",
            var other => other.ToString() ?? "",
        };

    public static EventMetadata Metadata(this IEvent e) => new(
        e.ActorId(), e.ActorName(), e.Timestamp,
        Guid.TryParse(e.CorrelationId, out var correlation) ? correlation : Guid.Empty,
        Guid.TryParse(e.CausationId, out var causation) ? causation : null);

    public static StoredEvent ToStored(this IEvent e) =>
        new(e.Sequence, e.Id, e.StreamKey!, e.Version, e.EventTypeName, e.Data, e.Metadata());
}
