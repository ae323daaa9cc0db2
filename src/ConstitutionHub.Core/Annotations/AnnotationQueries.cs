using System.Text.Json;
using ConstitutionHub.Core.Annotations.Anchoring;
using ConstitutionHub.Core.Streams;
using Npgsql;

namespace ConstitutionHub.Core.Annotations;

public sealed record CommentRow(
    Guid Id, string AuthorId, string AuthorName, string Body, IReadOnlyList<string> Mentions, DateTimeOffset Created, DateTimeOffset Updated,
    int EditCount, bool Deleted, string? DeletedByName);

public sealed record EvidenceRow(
    Guid Id, EvidenceKind Kind, string Target, EvidenceRelation Relation, string Note, Guid? ChatId, Guid? MessageId, int? Revision,
    string? PromptHash, IReadOnlyDictionary<string, string> SectionHashes, string AddedByName, DateTimeOffset AddedAt);

/// <summary>One thread as stored. <see cref="Anchor"/> is where it is on <see cref="CarriedRevision"/> (null: an orphan there).</summary>
public sealed record AnnotationRow(
    Guid Id, Guid ConstitutionId, AnnotationKind Kind, string AuthorId, string AuthorName, DateTimeOffset Created, DateTimeOffset Updated,
    int CreatedRevision, int CarriedRevision, int AnchorRevision, TextAnchor? Anchor, TextAnchor Original, AnchorOutcome Outcome,
    string SectionId, bool Resolved, string? ResolvedByName, bool Deleted, int ReplyCount, FindingClaim? Finding, FindingStatus? Status,
    string? StatusReason, string? StatusByName, int EvidenceCount, int BasisRevision, IReadOnlyDictionary<string, string> BasisHashes,
    long StreamVersion);

/// <summary>A thread as one revision's page shows it: where it is on that revision and how it got there.</summary>
public sealed record AnnotationView(
    AnnotationRow Row, int Revision, TextAnchor? Anchor, AnchorOutcome Outcome, AnchorMethod Method, IReadOnlyList<CommentRow> Comments,
    IReadOnlyList<EvidenceRow> Evidence)
{
    public bool IsOrphan => Anchor is null;
    public CommentRow Opening => Comments[0];
    public IEnumerable<CommentRow> Replies => Comments.Skip(1);
}

/// <summary>
/// How far the threads on one revision have got: how many there are and the sum of their stream versions. Every write
/// to a thread is an event on its stream and the inline projection stores its version with the row, so a thread
/// added, changed or carried changes this; two reads with the same version read the same threads.
/// </summary>
public sealed record ThreadsVersion(int Threads, long Events)
{
    public static ThreadsVersion Of(IReadOnlyList<AnnotationView> views) => new(views.Count, views.Sum(v => v.Row.StreamVersion));
}

/// <summary>What re-anchoring needs of one annotation: its stream version and its last anchor with its revision.</summary>
public sealed record PendingCarry(Guid Id, long StreamVersion, int CarriedRevision, int AnchorRevision, TextAnchor LastAnchor);

public sealed class AnnotationQueries(NpgsqlDataSource dataSource)
{
    private const string Columns = """
        a.id, a.constitution_id, a.kind, a.author_id, a.author_name, a.created, a.updated, a.created_revision, a.carried_revision,
        a.anchor_revision, a.anchor::text, a.original_anchor::text, a.outcome, a.section_id, a.resolved, a.resolved_by_name, a.deleted,
        a.reply_count, a.finding::text, a.finding_status, a.status_reason, a.status_by_name, a.evidence_count, a.basis_revision,
        a.basis_hashes::text, a.stream_version
        """;

    /// <summary>Every thread that has a place (or an orphan's entry) on <paramref name="revision"/>, oldest first.</summary>
    public async Task<IReadOnlyList<AnnotationView>> ForRevisionAsync(Guid constitutionId, int revision, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            select {Columns}, x.anchor::text, x.outcome, x.method from annotations a
            join annotation_anchors x on x.annotation_id = a.id and x.revision = @revision
            where a.constitution_id = @id order by a.created, a.id
            """);
        command.Parameters.AddWithValue("id", constitutionId);
        command.Parameters.AddWithValue("revision", revision);
        var found = new List<(AnnotationRow Row, TextAnchor? Anchor, AnchorOutcome Outcome, AnchorMethod Method)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                found.Add((ReadRow(reader), reader.IsDBNull(26) ? null : Parse<TextAnchor>(reader.GetString(26)),
                    Enum.Parse<AnchorOutcome>(reader.GetString(27)), Enum.Parse<AnchorMethod>(reader.GetString(28))));
            }
        }
        return await WithThreads(found, revision, ct);
    }

    /// <summary>The version of the threads <see cref="ForRevisionAsync"/> reads on <paramref name="revision"/>: one
    /// aggregate over the same rows, to tell whether threads read earlier are still what it would read.</summary>
    public async Task<ThreadsVersion> VersionAsync(Guid constitutionId, int revision, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            select count(*)::int, coalesce(sum(a.stream_version), 0)::bigint from annotations a
            join annotation_anchors x on x.annotation_id = a.id and x.revision = @at
            where a.constitution_id = @id
            """);
        command.Parameters.AddWithValue("id", constitutionId);
        command.Parameters.AddWithValue("at", revision);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new ThreadsVersion(reader.GetInt32(0), reader.GetInt64(1));
    }

    /// <summary>One thread where it is now (on the newest revision it was carried to).</summary>
    public async Task<AnnotationView?> ByIdAsync(Guid id, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            select {Columns}, x.anchor::text, x.outcome, x.method from annotations a
            join annotation_anchors x on x.annotation_id = a.id and x.revision = a.carried_revision where a.id = @id
            """);
        command.Parameters.AddWithValue("id", id);
        var found = new List<(AnnotationRow, TextAnchor?, AnchorOutcome, AnchorMethod)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                var row = ReadRow(reader);
                found.Add((row, row.Anchor, row.Outcome, Enum.Parse<AnchorMethod>(reader.GetString(28))));
            }
        }
        return found.Count == 0 ? null : (await WithThreads(found, found[0].Item1.CarriedRevision, ct))[0];
    }

    /// <summary>Every thread of a constitution where it is now, newest first (the research page, exports).</summary>
    public async Task<IReadOnlyList<AnnotationView>> CurrentAsync(Guid constitutionId, AnnotationKind? kind = null, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            select {Columns}, x.anchor::text, x.outcome, x.method from annotations a
            join annotation_anchors x on x.annotation_id = a.id and x.revision = a.carried_revision
            where a.constitution_id = @id and (@kind::text is null or a.kind = @kind) and not a.deleted order by a.created desc
            """);
        command.Parameters.AddWithValue("id", constitutionId);
        command.Parameters.Add(new NpgsqlParameter("kind", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)kind?.ToString() ?? DBNull.Value });
        var found = new List<(AnnotationRow, TextAnchor?, AnchorOutcome, AnchorMethod)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                var row = ReadRow(reader);
                found.Add((row, row.Anchor, row.Outcome, Enum.Parse<AnchorMethod>(reader.GetString(28))));
            }
        return await WithThreads(found, null, ct);
    }

    /// <summary>Threads not yet carried to <paramref name="head"/>.</summary>
    public async Task<IReadOnlyList<PendingCarry>> PendingAsync(Guid constitutionId, int head, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            select a.id, a.stream_version, a.carried_revision, a.anchor_revision, x.anchor::text from annotations a
            join annotation_anchors x on x.annotation_id = a.id and x.revision = a.anchor_revision
            where a.constitution_id = @id and a.carried_revision < @head order by a.anchor_revision, a.id
            """);
        command.Parameters.AddWithValue("id", constitutionId);
        command.Parameters.AddWithValue("head", head);
        var pending = new List<PendingCarry>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            pending.Add(new PendingCarry(reader.GetGuid(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetInt32(3), Parse<TextAnchor>(reader.GetString(4))));
        return pending;
    }

    /// <summary>Every version of a comment of thread <paramref name="annotationId"/>, oldest first; null when the
    /// thread has no such comment or it was deleted (its texts are not shown any more).</summary>
    public async Task<IReadOnlyList<CommentVersion>?> HistoryAsync(Guid annotationId, Guid commentId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            select c.author_name, c.created, c.body, e.version, e.body, e.edited_at, e.edited_by_name
            from annotation_comments c left join annotation_comment_edits e on e.comment_id = c.id
            where c.id = @id and c.annotation_id = @annotation and not c.deleted order by e.version
            """);
        command.Parameters.AddWithValue("id", commentId);
        command.Parameters.AddWithValue("annotation", annotationId);
        (string Author, DateTimeOffset Created, string Body)? comment = null;
        var edits = new List<CommentEditRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            comment ??= (reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2));
            if (!reader.IsDBNull(3))
                edits.Add(new CommentEditRow(reader.GetInt64(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
        }
        return comment is { } c ? CommentHistory.Versions(c.Author, c.Created, c.Body, edits) : null;
    }

    /// <summary>The threads whose anchor changed between revisions <paramref name="from"/> and <paramref name="to"/>
    /// (from &lt; to) of a constitution, oldest first, from the anchors re-anchoring stored for each revision; threads made
    /// after <paramref name="from"/> or not yet carried to <paramref name="to"/> are not among them.</summary>
    public async Task<IReadOnlyList<ReanchoredRow>> ReanchoredAsync(Guid constitutionId, int from, int to, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            select a.id, a.kind, a.author_name, f.anchor::text, t.anchor::text, t.method, a.original_anchor::text,
                   exists (select 1 from annotation_anchors s where s.annotation_id = a.id and s.revision > @from and s.revision <= @to and s.method = 'Fuzzy')
            from annotations a
            join annotation_anchors f on f.annotation_id = a.id and f.revision = @from
            join annotation_anchors t on t.annotation_id = a.id and t.revision = @to
            where a.constitution_id = @id and not (a.deleted and a.reply_count = 0) order by a.created, a.id
            """);
        command.Parameters.AddWithValue("id", constitutionId);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        var rows = new List<ReanchoredRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var before = reader.IsDBNull(3) ? null : Parse<TextAnchor>(reader.GetString(3));
            var after = reader.IsDBNull(4) ? null : Parse<TextAnchor>(reader.GetString(4));
            var fuzzy = reader.GetBoolean(7);
            if (AnchorChanges.Between(before, after, fuzzy) is not { } change) continue;
            rows.Add(new ReanchoredRow(reader.GetGuid(0), Enum.Parse<AnnotationKind>(reader.GetString(1)), reader.GetString(2), change, before, after,
                fuzzy ? AnchorMethod.Fuzzy : Enum.Parse<AnchorMethod>(reader.GetString(5)), Parse<TextAnchor>(reader.GetString(6))));
        }
        return rows;
    }

    public async Task<Guid?> ConstitutionOfAsync(Guid annotationId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("select constitution_id from annotations where id = @id");
        command.Parameters.AddWithValue("id", annotationId);
        return await command.ExecuteScalarAsync(ct) is Guid id ? id : null;
    }

    /// <summary>The slug of a constitution by id (annotations point to constitutions by id; access is checked by row).</summary>
    public async Task<string?> ConstitutionSlugAsync(Guid constitutionId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("select slug from constitutions where id = @id");
        command.Parameters.AddWithValue("id", constitutionId);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    private async Task<IReadOnlyList<AnnotationView>> WithThreads(
        List<(AnnotationRow Row, TextAnchor? Anchor, AnchorOutcome Outcome, AnchorMethod Method)> found, int? revision, CancellationToken ct)
    {
        if (found.Count == 0) return [];
        var ids = found.Select(f => f.Row.Id).ToArray();
        var comments = new Dictionary<Guid, List<CommentRow>>();
        await using (var command = dataSource.CreateCommand("""
            select annotation_id, id, author_id, author_name, case when deleted then '' else body end, mentions::text, created, updated, edit_count,
                   deleted, deleted_by_name
            from annotation_comments where annotation_id = any(@ids) order by annotation_id, (id = annotation_id) desc, created, id
            """))
        {
            command.Parameters.AddWithValue("ids", ids);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var key = reader.GetGuid(0);
                if (!comments.TryGetValue(key, out var list)) comments[key] = list = [];
                list.Add(new CommentRow(reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    Parse<List<string>>(reader.GetString(5)), reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7),
                    reader.GetInt32(8), reader.GetBoolean(9), reader.IsDBNull(10) ? null : reader.GetString(10)));
            }
        }
        var evidence = new Dictionary<Guid, List<EvidenceRow>>();
        await using (var command = dataSource.CreateCommand("""
            select annotation_id, id, kind, target, relation, note, chat_id, message_id, revision, prompt_hash, section_hashes::text, added_by_name, added_at
            from annotation_evidence where annotation_id = any(@ids) order by added_at, id
            """))
        {
            command.Parameters.AddWithValue("ids", ids);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var key = reader.GetGuid(0);
                if (!evidence.TryGetValue(key, out var list)) evidence[key] = list = [];
                list.Add(new EvidenceRow(reader.GetGuid(1), Enum.Parse<EvidenceKind>(reader.GetString(2)), reader.GetString(3),
                    Enum.Parse<EvidenceRelation>(reader.GetString(4)), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetGuid(6),
                    reader.IsDBNull(7) ? null : reader.GetGuid(7), reader.IsDBNull(8) ? null : reader.GetInt32(8),
                    reader.IsDBNull(9) ? null : reader.GetString(9), Parse<Dictionary<string, string>>(reader.GetString(10)),
                    reader.GetString(11), reader.GetFieldValue<DateTimeOffset>(12)));
            }
        }
        return found.Select(f => new AnnotationView(f.Row, revision ?? f.Row.CarriedRevision, f.Anchor, f.Outcome, f.Method,
            comments.GetValueOrDefault(f.Row.Id) ?? [], evidence.GetValueOrDefault(f.Row.Id) ?? [])).ToArray();
    }

    private static AnnotationRow ReadRow(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), Enum.Parse<AnnotationKind>(r.GetString(2)), r.GetString(3), r.GetString(4),
        r.GetFieldValue<DateTimeOffset>(5), r.GetFieldValue<DateTimeOffset>(6), r.GetInt32(7), r.GetInt32(8), r.GetInt32(9),
        r.IsDBNull(10) ? null : Parse<TextAnchor>(r.GetString(10)), Parse<TextAnchor>(r.GetString(11)), Enum.Parse<AnchorOutcome>(r.GetString(12)),
        r.GetString(13), r.GetBoolean(14), r.IsDBNull(15) ? null : r.GetString(15), r.GetBoolean(16), r.GetInt32(17),
        r.IsDBNull(18) ? null : Parse<FindingClaim>(r.GetString(18)), r.IsDBNull(19) ? null : Enum.Parse<FindingStatus>(r.GetString(19)),
        r.IsDBNull(20) ? null : r.GetString(20), r.IsDBNull(21) ? null : r.GetString(21), r.GetInt32(22), r.GetInt32(23),
        Parse<Dictionary<string, string>>(r.GetString(24)), r.GetInt64(25));

    private static T Parse<T>(string json) => JsonSerializer.Deserialize<T>(json, HubJson.Options)!;
}
