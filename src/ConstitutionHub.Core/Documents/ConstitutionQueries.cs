using System.Text.Json;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.Streams;
using Npgsql;

namespace ConstitutionHub.Core.Documents;

public sealed record ConstitutionRow(
    Guid Id, string Slug, string Title, string Summary, Visibility Visibility, string OwnerId, string OwnerName,
    Guid? ForkedFromId, string? ForkedFromSlug, int? ForkedFromRevision, int HeadRevision, long StreamVersion,
    DateTimeOffset Created, DateTimeOffset Updated, string UpdatedByName)
{
    /// <summary>People given a role on this constitution (by actor id); the owner is not listed. See <see cref="DocumentAccess"/>.</summary>
    public IReadOnlyDictionary<string, DocumentRole> Members { get; init; } = new Dictionary<string, DocumentRole>();

    /// <summary>Only members with the editor role or higher may edit, even when the constitution is public.</summary>
    public bool EditsRestricted { get; init; }
}

/// <summary>A member, invited person or person asking to join, with the handle they are known by.</summary>
public sealed record MemberRow(string PersonId, string PersonName, DocumentRole Role, string Handle);

/// <summary>An invitation waiting for its person's answer.</summary>
public sealed record InvitationRow(string Slug, string Title, DocumentRole Role, string ByName, DateTimeOffset At);

public sealed record RevisionRow(
    int Number, string AuthorId, string AuthorName, DateTimeOffset Created, string Summary, int Size, int SizeDelta,
    int BaseRevision, int? RestoredFrom, bool Merged);

public sealed record Revision(RevisionRow Info, string Markdown, IReadOnlyList<SectionInfo> Sections);

public sealed record LabelRow(string Name, int Revision, string MovedByName, DateTimeOffset MovedAt);

public sealed record SearchHit(ConstitutionRow Constitution, string Snippet);

/// <summary>Counts kept by <see cref="ConstitutionStatsProjection"/> (async: may lag a moment).</summary>
public sealed record ConstitutionStats(int Revisions, int Merges, int Restores, int LabelMoves, int Chats, int Replies, long CompletionTokens,
    DateTimeOffset LastActivity);

/// <summary>What a history grid narrows by: text in the author's name, text in the edit summary (both case-insensitive).</summary>
public sealed record HistoryFilter(string? Author = null, string? Summary = null)
{
    public bool IsEmpty => string.IsNullOrWhiteSpace(Author) && string.IsNullOrWhiteSpace(Summary);
}

/// <summary>One page of history and how many revisions match in all.</summary>
public sealed record RevisionPage(IReadOnlyList<RevisionRow> Items, int Total);

/// <summary>Reads of the constitution read models. Visibility filtering for lists lives here; per-document checks in <see cref="DocumentAccess"/>.</summary>
public sealed class ConstitutionQueries(NpgsqlDataSource dataSource)
{
    private const string ConstitutionColumns = """
        c.id, c.slug, c.title, c.summary, c.visibility, c.owner_id, c.owner_name, c.forked_from_id, c.forked_from_slug,
        c.forked_from_revision, c.head_revision, c.stream_version, c.created, c.updated, c.updated_by_name, c.edits_restricted,
        (select coalesce(json_object_agg(m.person_id, m.role), json_build_object())::text from constitution_members m where m.constitution_id = c.id)
        """;

    /// <summary>Lists show what the viewer may read without a link: public constitutions, their own and those they are a member of.</summary>
    internal const string ListedFor = """
        (c.visibility = 'Public' or c.owner_id = @viewer
         or exists (select 1 from constitution_members m where m.constitution_id = c.id and m.person_id = @viewer))
        """;

    /// <summary>Like <see cref="ListedFor"/>, with unlisted ones too (forks are reached from a constitution one can read).</summary>
    private const string ReadableBy = """
        (c.visibility <> 'Private' or c.owner_id = @viewer
         or exists (select 1 from constitution_members m where m.constitution_id = c.id and m.person_id = @viewer))
        """;

    private const string RevisionColumns =
        "r.number, r.author_id, r.author_name, r.created, r.summary, r.size, r.size_delta, r.base_revision, r.restored_from, r.merged";

    public async Task<ConstitutionRow?> BySlugAsync(string slug, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"select {ConstitutionColumns} from constitutions c where c.slug = @slug");
        command.Parameters.AddWithValue("slug", slug);
        return (await ReadConstitutions(command, ct)).FirstOrDefault();
    }

    /// <summary>Recently changed constitutions the viewer may see (public ones, and their own private ones).</summary>
    public async Task<IReadOnlyList<ConstitutionRow>> RecentAsync(string? viewerId, int limit = 50, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            select {ConstitutionColumns} from constitutions c
            where {ListedFor}
            order by c.updated desc limit @limit
            """);
        command.Parameters.AddWithValue("viewer", viewerId ?? "");
        command.Parameters.AddWithValue("limit", limit);
        return await ReadConstitutions(command, ct);
    }

    /// <summary>Full-text search over titles, summaries and current text, with a highlighted snippet (markers « and »).
    /// Titles match at once; the text index is an async projection (<see cref="SearchIndexProjection"/>), a moment behind.</summary>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(string query, string? viewerId, int limit = 30, CancellationToken ct = default)
    {
        query = query.Trim();
        if (query.Length == 0) return [];
        // A cut between the halves of a surrogate pair (an emoji at the limit) would leave text PostgreSQL cannot store.
        if (query.Length > 200) query = query[..(char.IsHighSurrogate(query[199]) ? 199 : 200)];
        await using var command = dataSource.CreateCommand($"""
            with q as (select websearch_to_tsquery('english', @q) as query)
            select {ConstitutionColumns},
                   ts_headline('english', r.markdown, q.query, 'StartSel=«, StopSel=», MaxWords=30, MinWords=12, MaxFragments=1') as snippet
            from constitutions c
            join revisions r on r.constitution_id = c.id and r.number = c.head_revision
            left join search_index s on s.constitution_id = c.id, q
            where {ListedFor}
              and (s.search @@ q.query or c.title ilike '%' || @like || '%' escape '\')
            order by (c.title ilike '%' || @like || '%' escape '\') desc, coalesce(ts_rank(s.search, q.query), 0) desc, c.updated desc
            limit @limit
            """);
        command.Parameters.AddWithValue("q", query);
        command.Parameters.AddWithValue("like", query.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal));
        command.Parameters.AddWithValue("viewer", viewerId ?? "");
        command.Parameters.AddWithValue("limit", limit);
        var hits = new List<SearchHit>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) hits.Add(new SearchHit(ReadConstitution(reader), reader.GetString(17)));
        return hits;
    }

    public async Task<IReadOnlyList<ConstitutionRow>> ForksOfAsync(Guid id, string? viewerId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            select {ConstitutionColumns} from constitutions c
            where c.forked_from_id = @id and {ReadableBy} order by c.created
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("viewer", viewerId ?? "");
        return await ReadConstitutions(command, ct);
    }

    public async Task<Revision?> RevisionAsync(Guid id, int number, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            select {RevisionColumns}, r.markdown, r.sections::text from revisions r where r.constitution_id = @id and r.number = @number
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("number", number);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new Revision(ReadRevision(reader), reader.GetString(10),
            JsonSerializer.Deserialize<List<SectionInfo>>(reader.GetString(11), HubJson.Options) ?? []);
    }

    /// <summary>A page of history, newest first; <paramref name="before"/> is the keyset cursor (a revision number).</summary>
    public async Task<IReadOnlyList<RevisionRow>> HistoryAsync(Guid id, int? before = null, int limit = 50, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            select {RevisionColumns} from revisions r
            where r.constitution_id = @id and r.number < @before order by r.number desc limit @limit
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("before", before ?? int.MaxValue);
        command.Parameters.AddWithValue("limit", Math.Clamp(limit, 1, 500));
        var rows = new List<RevisionRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows.Add(ReadRevision(reader));
        return rows;
    }

    /// <summary>
    /// One page of history for a grid: page <paramref name="page"/> (from 0) of <paramref name="pageSize"/>, newest or oldest
    /// first, narrowed by <paramref name="filter"/>. Revision numbers run 1..head without gaps, so an unfiltered page is a
    /// range of the primary key (constitution_id, number): as cheap at revision 10,000 as at revision 1. A filtered page
    /// falls back to offset paging over the matches.
    /// </summary>
    public async Task<RevisionPage> HistoryPageAsync(Guid id, int page, int pageSize, bool oldestFirst = false, HistoryFilter? filter = null,
        CancellationToken ct = default)
    {
        page = Math.Max(0, page);
        pageSize = Math.Clamp(pageSize, 1, 500);
        filter ??= new HistoryFilter();
        var order = oldestFirst ? "asc" : "desc";
        if (filter.IsEmpty)
        {
            await using var head = dataSource.CreateCommand("select coalesce(max(number), 0) from revisions where constitution_id = @id");
            head.Parameters.AddWithValue("id", id);
            var total = Convert.ToInt32(await head.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            var (low, high) = oldestFirst
                ? (page * pageSize + 1, (page + 1) * pageSize)
                : (total - (page + 1) * pageSize + 1, total - page * pageSize);
            await using var range = dataSource.CreateCommand($"""
                select {RevisionColumns} from revisions r
                where r.constitution_id = @id and r.number between @low and @high
                order by r.number {order}
                """);
            range.Parameters.AddWithValue("id", id);
            range.Parameters.AddWithValue("low", low);
            range.Parameters.AddWithValue("high", high);
            return new RevisionPage(await ReadRevisions(range, ct), total);
        }

        const string Where = """
            r.constitution_id = @id
              and (@author = '' or r.author_name ilike '%' || @author || '%' escape '\')
              and (@summary = '' or r.summary ilike '%' || @summary || '%' escape '\')
            """;
        await using var count = dataSource.CreateCommand($"select count(*) from revisions r where {Where}");
        await using var rows = dataSource.CreateCommand($"""
            select {RevisionColumns} from revisions r where {Where}
            order by r.number {order} limit @limit offset @offset
            """);
        foreach (var command in new[] { count, rows })
        {
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("author", EscapeLike(filter.Author));
            command.Parameters.AddWithValue("summary", EscapeLike(filter.Summary));
        }
        rows.Parameters.AddWithValue("limit", pageSize);
        rows.Parameters.AddWithValue("offset", (long)page * pageSize);
        var matching = Convert.ToInt32(await count.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        return new RevisionPage(await ReadRevisions(rows, ct), matching);
    }

    private static string EscapeLike(string? text) => (text ?? "").Trim().Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    private static async Task<List<RevisionRow>> ReadRevisions(NpgsqlCommand command, CancellationToken ct)
    {
        var rows = new List<RevisionRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows.Add(ReadRevision(reader));
        return rows;
    }

    public async Task<IReadOnlyList<LabelRow>> LabelsAsync(Guid id, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "select name, revision, moved_by_name, moved_at from labels where constitution_id = @id order by name");
        command.Parameters.AddWithValue("id", id);
        var rows = new List<LabelRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new LabelRow(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        return rows;
    }

    /// <summary>The state command handling needs, from the read model (replaying 10,000 revisions per save would not do).</summary>
    public async Task<ConstitutionState?> StateAsync(string slug, CancellationToken ct = default) =>
        (await RowAndStateAsync(slug, ct))?.State;

    /// <summary>
    /// The row (for access checks) and the command state of one constitution in one statement: one round trip and one
    /// snapshot, so the version, head text and labels always belong together. A save does this once before it appends.
    /// </summary>
    public async Task<(ConstitutionRow Row, ConstitutionState State)?> RowAndStateAsync(string slug, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            select {ConstitutionColumns}, r.markdown, r.sections::text,
                   (select coalesce(json_object_agg(l.name, l.revision), json_build_object())::text from labels l where l.constitution_id = c.id)
            from constitutions c left join revisions r on r.constitution_id = c.id and r.number = c.head_revision
            where c.slug = @slug
            """);
        command.Parameters.AddWithValue("slug", slug);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var row = ReadConstitution(reader);
        var markdown = reader.IsDBNull(17) ? "" : reader.GetString(17);
        var sections = reader.IsDBNull(18) ? [] : JsonSerializer.Deserialize<List<SectionInfo>>(reader.GetString(18), HubJson.Options) ?? [];
        var labels = JsonSerializer.Deserialize<Dictionary<string, int>>(reader.GetString(19)) ?? [];
        return (row, new ConstitutionState(row.Id, row.Slug, row.Title, row.Summary, row.Visibility, row.OwnerId, row.HeadRevision,
            markdown, sections, labels, row.StreamVersion));
    }

    public async Task<ConstitutionStats?> StatsAsync(Guid id, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            select revisions, merges, restores, label_moves, chats, replies, completion_tokens, last_activity
            from constitution_stats where constitution_id = @id
            """);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new ConstitutionStats(reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4),
            reader.GetInt32(5), reader.GetInt64(6), reader.GetFieldValue<DateTimeOffset>(7));
    }

    public async Task<int> CountAsync(CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("select count(*) from constitutions");
        return Convert.ToInt32(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<IReadOnlyList<ConstitutionRow>> ReadConstitutions(NpgsqlCommand command, CancellationToken ct)
    {
        var rows = new List<ConstitutionRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows.Add(ReadConstitution(reader));
        return rows;
    }

    private static ConstitutionRow ReadConstitution(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), Enum.Parse<Visibility>(r.GetString(4)), r.GetString(5), r.GetString(6),
        r.IsDBNull(7) ? null : r.GetGuid(7), r.IsDBNull(8) ? null : r.GetString(8), r.IsDBNull(9) ? null : r.GetInt32(9),
        r.GetInt32(10), r.GetInt64(11), r.GetFieldValue<DateTimeOffset>(12), r.GetFieldValue<DateTimeOffset>(13), r.GetString(14))
    {
        EditsRestricted = r.GetBoolean(15),
        Members = (JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(16)) ?? []).ToDictionary(m => m.Key, m => Enum.Parse<DocumentRole>(m.Value)),
    };

    /// <summary>The row and everything deciding about roles needs, pending invitations and requests included.</summary>
    public async Task<(ConstitutionRow Row, Membership Membership)?> MembershipAsync(string slug, CancellationToken ct = default)
    {
        var row = await BySlugAsync(slug, ct);
        if (row is null) return null;
        var invitations = (await PendingAsync("constitution_invitations", row.Id, ct)).ToDictionary(p => p.PersonId, p => new PendingRole(p.PersonName, p.Role));
        var requests = (await PendingAsync("join_requests", row.Id, ct)).ToDictionary(p => p.PersonId, p => new PendingRole(p.PersonName, p.Role));
        return (row, Membership.Of(row, invitations, requests));
    }

    /// <summary>Members with names, strongest role first.</summary>
    public Task<IReadOnlyList<MemberRow>> MembersAsync(Guid id, CancellationToken ct = default) => PendingAsync("constitution_members", id, ct);

    public Task<IReadOnlyList<MemberRow>> InvitationsAsync(Guid id, CancellationToken ct = default) => PendingAsync("constitution_invitations", id, ct);

    public Task<IReadOnlyList<MemberRow>> JoinRequestsAsync(Guid id, CancellationToken ct = default) => PendingAsync("join_requests", id, ct);

    /// <summary>The invitations waiting for one person's answer, with the constitutions they are to.</summary>
    public async Task<IReadOnlyList<InvitationRow>> InvitationsForAsync(string personId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            select c.slug, c.title, i.role, i.by_name, i.at from constitution_invitations i join constitutions c on c.id = i.constitution_id
            where i.person_id = @person order by i.at desc limit 100
            """);
        command.Parameters.AddWithValue("person", personId);
        var rows = new List<InvitationRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new InvitationRow(reader.GetString(0), reader.GetString(1), Enum.Parse<DocumentRole>(reader.GetString(2)), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4)));
        return rows;
    }

    /// <summary>One of the three people tables of a constitution (their names are constants of this class, never input).</summary>
    private async Task<IReadOnlyList<MemberRow>> PendingAsync(string table, Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            select t.person_id, t.person_name, t.role, coalesce(p.handle, '') from {table} t left join people p on p.id = t.person_id
            where t.constitution_id = @id order by t.person_name
            """);
        command.Parameters.AddWithValue("id", id);
        var rows = new List<MemberRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new MemberRow(reader.GetString(0), reader.GetString(1), Enum.Parse<DocumentRole>(reader.GetString(2)), reader.GetString(3)));
        return [.. rows.OrderByDescending(r => r.Role).ThenBy(r => r.PersonName, StringComparer.OrdinalIgnoreCase)];
    }

    private static RevisionRow ReadRevision(NpgsqlDataReader r) => new(
        r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3), r.GetString(4), r.GetInt32(5), r.GetInt32(6),
        r.GetInt32(7), r.IsDBNull(8) ? null : r.GetInt32(8), r.GetBoolean(9));
}
