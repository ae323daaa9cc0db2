using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Streams;

namespace ConstitutionHub.Core.Experiments;

/// <summary>An export was downloaded for the first time; who and when are the event's metadata.</summary>
public sealed record TrainingExportRecorded(TrainingExportFacts Export);

public static class TrainingExportStream
{
    /// <summary>One stream per export, named by its content hash: the same file downloaded again is the same export.</summary>
    public static string Id(string exportId) => $"training-export-{exportId}";

    public static readonly IReadOnlyList<(Type Type, string Alias)> Events =
    [
        (typeof(TrainingExportRecorded), "training_export_recorded"),
    ];
}

/// <summary>A recorded export as a model's lineage names it, with who first downloaded it and when.</summary>
public sealed record RecordedExport(TrainingExportFacts Facts, string RecordedByName, DateTimeOffset Recorded);

/// <summary>
/// Exports as things a trained model can name. Each download records its export once (the event id is derived from
/// the content hash, so a second download of the same file appends nothing); nothing else reads the file again.
/// </summary>
public sealed class TrainingExportLog(EventStreams streams, TimeProvider? clock = null)
{
    private static readonly Actor Anonymous = new("anonymous", "Anonymous");
    private readonly TimeProvider time = clock ?? TimeProvider.System;

    public async Task RecordAsync(Actor? actor, TrainingExportFacts facts, CancellationToken ct = default)
    {
        // An empty export has the same hash whatever experiment it came from; it is no lineage for anything.
        if (facts.Records == 0) return;
        var who = actor ?? Anonymous;
        var eventId = new Guid(Convert.FromHexString(facts.ExportId.AsSpan(0, 32)));
        try
        {
            await streams.AppendAsync(TrainingExportStream.Id(facts.ExportId), ExpectedVersion.NoStream,
                [new NewEvent(eventId, new TrainingExportRecorded(facts))], new EventMetadata(who.Id, who.Name, time.GetUtcNow(), Guid.NewGuid()), ct);
        }
        catch (WrongExpectedVersionException)
        {
            // Recorded by a download at the same moment: the same export either way.
        }
    }

    /// <summary>The export with this id (64 lowercase hex digits), or null when no download recorded it.</summary>
    public async Task<RecordedExport?> FindAsync(string? exportId, CancellationToken ct = default)
    {
        if (!LooksLikeId(exportId)) return null;
        var events = await streams.ReadStreamAsync(TrainingExportStream.Id(exportId!), ct: ct);
        return events.FirstOrDefault() is { Data: TrainingExportRecorded recorded } first
            ? new RecordedExport(recorded.Export, first.Metadata.ActorName, first.Metadata.Time)
            : null;
    }

    public static bool LooksLikeId(string? exportId) =>
        exportId is { Length: 64 } && exportId.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
