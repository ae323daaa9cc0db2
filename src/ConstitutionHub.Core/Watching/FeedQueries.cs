using ConstitutionHub.Core.Streams;
using Npgsql;

namespace ConstitutionHub.Core.Watching;

public enum FeedEntryKind
{
    Revision,
    Finding,
    FindingStatus,
}

/// <summary>One entry of a constitution's feed. <paramref name="Id"/> is stable: the same entry has the same id on
/// every request, every node and after a projection rebuild (a revision's derives from the constitution and its
/// number, a finding's is its annotation id, a status change's its event id).</summary>
public sealed record FeedEntry(Guid Id, FeedEntryKind Kind, DateTimeOffset At, string AuthorName, string Title, string Text, int? Revision,
    Guid? AnnotationId);

/// <summary>
/// What a constitution's Atom feed lists: its revisions, its findings and their status changes, newest first. Only
/// the constitution's own content: callers check <see cref="Documents.DocumentAccess"/> before asking.
/// </summary>
public sealed class FeedQueries(NpgsqlDataSource dataSource)
{
    public const int MaxEntries = 50;

    public async Task<IReadOnlyList<FeedEntry>> EntriesAsync(Guid constitutionId, CancellationToken ct = default)
    {
        // Status changes come from the findings' own streams (the read model keeps only the current status).
        await using var command = dataSource.CreateCommand($"""
            (select 'Revision' as kind, r.created as at, r.author_name, r.number, null::uuid as annotation_id, null::uuid as event_id,
                    r.summary as title, coalesce('restored r' || r.restored_from, '') as text
             from revisions r where r.constitution_id = @c order by r.number desc limit @limit)
            union all
            (select 'Finding', a.created, a.author_name, a.created_revision, a.id, null, a.finding->>'behaviour', m.body
             from annotations a join annotation_comments m on m.id = a.id
             where a.constitution_id = @c and a.kind = 'Finding' and not a.deleted order by a.created desc limit @limit)
            union all
            (select 'FindingStatus', e.timestamp, coalesce(e.headers->>'{MartenEvents.ActorNameHeader}', e.user_name, ''), null, a.id, e.id,
                    a.finding->>'behaviour', coalesce(e.data->>'status', '') || ': ' || coalesce(e.data->>'reason', '')
             from mt_events e join annotations a on e.stream_id = 'annotation-' || replace(a.id::text, '-', '')
             where a.constitution_id = @c and a.kind = 'Finding' and not a.deleted and e.type = 'finding_status_changed'
             order by e.seq_id desc limit @limit)
            order by at desc limit @limit
            """);
        command.Parameters.AddWithValue("c", constitutionId);
        command.Parameters.AddWithValue("limit", MaxEntries);
        var entries = new List<FeedEntry>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var kind = Enum.Parse<FeedEntryKind>(reader.GetString(0));
            int? revision = reader.IsDBNull(3) ? null : reader.GetInt32(3);
            Guid? annotation = reader.IsDBNull(4) ? null : reader.GetGuid(4);
            var id = kind switch
            {
                FeedEntryKind.Revision => Documents.ConstitutionCommands.DeriveId(constitutionId, 3_000_000 + revision!.Value),
                FeedEntryKind.Finding => annotation!.Value,
                _ => reader.GetGuid(5),
            };
            entries.Add(new FeedEntry(id, kind, reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.IsDBNull(6) ? "" : reader.GetString(6),
                reader.IsDBNull(7) ? "" : reader.GetString(7), revision, annotation));
        }
        return entries;
    }
}
