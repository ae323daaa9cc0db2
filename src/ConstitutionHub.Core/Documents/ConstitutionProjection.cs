using System.Text;
using System.Text.Json;
using ConstitutionHub.Core.EventStore;
using Npgsql;
using NpgsqlTypes;

namespace ConstitutionHub.Core.Documents;

/// <summary>Keeps the constitutions / revisions / labels tables in step with the streams, in the append's transaction.</summary>
public sealed class ConstitutionProjection : IInlineProjection
{
    public string StreamType => ConstitutionStream.Type;

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var e in events)
        {
            await (e.Data switch
            {
                ConstitutionCreated created => Created(connection, e, created, ct),
                RevisionCommitted revision => Committed(connection, e, revision, ct),
                DetailsChanged details => Changed(connection, e, details, ct),
                LabelMoved moved => Moved(connection, e, moved, ct),
                LabelRemoved removed => Removed(connection, e, removed, ct),
                _ => Task.CompletedTask,
            });
        }
    }

    private static Guid IdOf(StoredEvent e) => Guid.ParseExact(e.StreamId["constitution-".Length..], "N");

    private static Task Created(NpgsqlConnection c, StoredEvent e, ConstitutionCreated x, CancellationToken ct) => Run(c, """
        insert into constitutions (id, slug, title, summary, visibility, owner_id, owner_name, forked_from_id, forked_from_slug,
                                   forked_from_revision, stream_version, created, updated, updated_by_name)
        values (@id, @slug, @title, @summary, @visibility, @owner, @owner_name, @fork_id, @fork_slug, @fork_rev, @version, @time, @time, @owner_name)
        """, ct,
        ("id", x.ConstitutionId), ("slug", x.Slug), ("title", x.Title), ("summary", x.Summary), ("visibility", x.Visibility.ToString()),
        ("owner", x.OwnerId), ("owner_name", e.Metadata.ActorName), ("fork_id", (object?)x.ForkedFrom?.ConstitutionId),
        ("fork_slug", x.ForkedFrom?.Slug), ("fork_rev", x.ForkedFrom?.Revision), ("version", e.Version), ("time", e.Metadata.Time));

    private static Task Committed(NpgsqlConnection c, StoredEvent e, RevisionCommitted x, CancellationToken ct) => Run(c, """
        insert into revisions (constitution_id, number, author_id, author_name, created, summary, size, size_delta, markdown, sections,
                               base_revision, restored_from, merged)
        values (@id, @number, @author, @author_name, @time, @summary, @size,
                @size - coalesce((select size from revisions where constitution_id = @id and number = @number - 1), 0),
                @markdown, @sections, @base, @restored, @merged);
        update constitutions set head_revision = @number, stream_version = @version, updated = @time, updated_by_name = @author_name,
            search = setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', summary), 'B')
                  || setweight(to_tsvector('english', @markdown), 'C')
        where id = @id;
        """, ct,
        ("id", IdOf(e)), ("number", x.Number), ("author", e.Metadata.ActorId), ("author_name", e.Metadata.ActorName),
        ("time", e.Metadata.Time), ("summary", x.Summary), ("size", Encoding.UTF8.GetByteCount(x.Markdown)), ("markdown", x.Markdown),
        ("sections", new NpgsqlParameter { Value = JsonSerializer.Serialize(x.Sections, EventTypeRegistry.Json), NpgsqlDbType = NpgsqlDbType.Jsonb }),
        ("base", x.BaseRevision), ("restored", x.RestoredFrom), ("merged", x.Merged), ("version", e.Version));

    private static Task Changed(NpgsqlConnection c, StoredEvent e, DetailsChanged x, CancellationToken ct) => Run(c, """
        update constitutions set title = @title, summary = @summary, visibility = @visibility, stream_version = @version,
            updated = @time, updated_by_name = @name
        where id = @id
        """, ct,
        ("id", IdOf(e)), ("title", x.Title), ("summary", x.Summary), ("visibility", x.Visibility.ToString()),
        ("version", e.Version), ("time", e.Metadata.Time), ("name", e.Metadata.ActorName));

    private static Task Moved(NpgsqlConnection c, StoredEvent e, LabelMoved x, CancellationToken ct) => Run(c, """
        insert into labels (constitution_id, name, revision, moved_by_name, moved_at) values (@id, @label, @revision, @name, @time)
        on conflict (constitution_id, name) do update set revision = @revision, moved_by_name = @name, moved_at = @time;
        update constitutions set stream_version = @version where id = @id;
        """, ct,
        ("id", IdOf(e)), ("label", x.Label), ("revision", x.Revision), ("name", e.Metadata.ActorName), ("time", e.Metadata.Time),
        ("version", e.Version));

    private static Task Removed(NpgsqlConnection c, StoredEvent e, LabelRemoved x, CancellationToken ct) => Run(c, """
        delete from labels where constitution_id = @id and name = @label;
        update constitutions set stream_version = @version where id = @id;
        """, ct, ("id", IdOf(e)), ("label", x.Label), ("version", e.Version));

    private static async Task Run(NpgsqlConnection connection, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            if (value is NpgsqlParameter p) { p.ParameterName = name; command.Parameters.Add(p); }
            else command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        await command.ExecuteNonQueryAsync(ct);
    }
}
