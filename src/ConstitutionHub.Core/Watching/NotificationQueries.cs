using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using Npgsql;

namespace ConstitutionHub.Core.Watching;

/// <summary>One notification as the inbox shows it, with the link to what it is about.</summary>
public sealed record NotificationRow(long Seq, NotificationKind Kind, Guid ConstitutionId, string Slug, string Title, Guid? AnnotationId,
    int? Revision, string ActorName, string Text, DateTimeOffset At, bool Read)
{
    /// <summary>A revision opens its diff against the one before; anything in a thread opens the annotation's permalink.</summary>
    public string Link => Kind == NotificationKind.Revision
        ? $"/c/{Slug}/diff?from={Revision - 1}&to={Revision}"
        : $"/c/{Slug}?annotation={AnnotationId}";
}

/// <summary>
/// The inbox: a person's notifications, newest first, and what they have read. Only notifications about documents
/// the person may read now are shown or counted (<see cref="DocumentAccess"/>): someone who loses access to a
/// private constitution no longer sees what happened in it.
/// </summary>
public sealed class NotificationQueries(NpgsqlDataSource dataSource, ConstitutionQueries constitutions)
{
    public const int MaxPage = 200;

    /// <summary>Newest first; <paramref name="before"/> is the keyset cursor (a sequence).</summary>
    public async Task<IReadOnlyList<NotificationRow>> ListAsync(Actor actor, bool unreadOnly = false, long? before = null, int limit = 50,
        CancellationToken ct = default)
    {
        var readable = await ReadableAsync(actor, ct);
        await using var command = dataSource.CreateCommand("""
            select n.seq, n.kind, n.constitution_id, c.slug, c.title, n.annotation_id, n.revision, n.actor_name, n.text, n.at,
                   exists (select 1 from notification_reads r where r.person_id = n.person_id and r.seq = n.seq) as read
            from notifications n join constitutions c on c.id = n.constitution_id
            where n.person_id = @person and n.constitution_id = any(@readable) and n.seq < @before
              and (not @unread or not exists (select 1 from notification_reads r where r.person_id = n.person_id and r.seq = n.seq))
            order by n.seq desc limit @limit
            """);
        command.Parameters.AddWithValue("person", actor.Id);
        command.Parameters.AddWithValue("readable", readable);
        command.Parameters.AddWithValue("before", before ?? long.MaxValue);
        command.Parameters.AddWithValue("unread", unreadOnly);
        command.Parameters.AddWithValue("limit", Math.Clamp(limit, 1, MaxPage));
        var rows = new List<NotificationRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new NotificationRow(reader.GetInt64(0), Enum.Parse<NotificationKind>(reader.GetString(1)), reader.GetGuid(2), reader.GetString(3),
                reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetGuid(5), reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.GetString(7),
                reader.GetString(8), reader.GetFieldValue<DateTimeOffset>(9), reader.GetBoolean(10)));
        return rows;
    }

    public async Task<int> UnreadCountAsync(Actor actor, CancellationToken ct = default)
    {
        var readable = await ReadableAsync(actor, ct);
        await using var command = dataSource.CreateCommand("""
            select count(*) from notifications n
            where n.person_id = @person and n.constitution_id = any(@readable)
              and not exists (select 1 from notification_reads r where r.person_id = n.person_id and r.seq = n.seq)
            """);
        command.Parameters.AddWithValue("person", actor.Id);
        command.Parameters.AddWithValue("readable", readable);
        return (int)(long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Marks the person's own notifications read (others' sequences are ignored); null: all of them.</summary>
    public async Task<int> MarkReadAsync(Actor actor, IReadOnlyCollection<long>? sequences, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            insert into notification_reads (person_id, seq)
            select n.person_id, n.seq from notifications n where n.person_id = @person and (@all or n.seq = any(@seqs))
            on conflict do nothing
            """);
        command.Parameters.AddWithValue("person", actor.Id);
        command.Parameters.AddWithValue("all", sequences is null);
        command.Parameters.AddWithValue("seqs", (sequences ?? []).ToArray());
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The constitutions the person has notifications about and may read now, checked one by one with
    /// <see cref="DocumentAccess"/> (roles and site admins included).</summary>
    private async Task<Guid[]> ReadableAsync(Actor actor, CancellationToken ct)
    {
        var slugs = new List<string>();
        await using (var command = dataSource.CreateCommand("""
            select c.slug from constitutions c where c.id in (select distinct constitution_id from notifications where person_id = @person)
            """))
        {
            command.Parameters.AddWithValue("person", actor.Id);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) slugs.Add(reader.GetString(0));
        }
        var readable = new List<Guid>();
        foreach (var slug in slugs)
            if (await constitutions.BySlugAsync(slug, ct) is { } row && DocumentAccess.CanRead(row, actor)) readable.Add(row.Id);
        return readable.ToArray();
    }
}
