using ConstitutionHub.Core.Streams;
using ConstitutionHub.Testing;
using Npgsql;

namespace ConstitutionHub.Core.Tests.Import;

/// <summary>
/// The import of a database written by the store before Marten. legacy-v1.sql is a dump of one, made by that code
/// (tools/legacy-fixture/make-fixture.sh): constitutions with revisions, a merge, a restore, labels moved, moved
/// again and removed, details changed, a fork and a private one; chats with branches, a failed, an interrupted and a
/// streaming reply and per-reply provenance; share links snapshot, live, without the prompt, expired and revoked.
/// Every read-model table the pages read must come out equal, row for row, and every event with its metadata.
/// </summary>
public sealed class LegacyImportTests
{
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Import", "legacy-v1.sql");

    /// <summary>Read-model tables and their keys: every page reads these (the old <c>search</c> column moved to the
    /// async search index and is compared there).</summary>
    private static readonly (string Table, string Order)[] ReadModels =
    [
        ("constitutions", "id"), ("revisions", "constitution_id, number"), ("labels", "constitution_id, name"), ("chats", "id"),
        ("chat_messages", "chat_id, message_id"), ("share_links", "id"),
    ];

    /// <summary>Read-model columns added since the old store; the assertions below check what imported rows hold in them.</summary>
    private static readonly string[] NewColumns = ["edits_restricted", "target", "experiment_id", "snapshot_at", "show_prompts"];

    [Fact]
    public async Task An_old_database_imports_into_marten_with_every_stream_event_and_read_model_unchanged()
    {
        await using var db = await LegacyDatabase.CreateAsync("import_whole");
        var before = await db.ReadModelsAsync("public");

        var result = await LegacyImport.RunAsync(db.Test.Store, db.Plain);

        Assert.Equal(LegacyImportOutcome.Imported, result.Outcome);
        Assert.Equal(await db.CountAsync("select count(*) from public.streams") + await db.CountAsync("select count(*) from public.share_links"),
            result.Streams);
        await AssertSameAsBeforeAsync(db, before);
    }

    [Fact]
    public async Task A_second_start_imports_nothing_and_changes_nothing()
    {
        await using var db = await LegacyDatabase.CreateAsync("import_twice");
        await LegacyImport.RunAsync(db.Test.Store, db.Plain);
        var events = await db.CountAsync("select count(*) from hub.mt_events");
        var after = await db.ReadModelsAsync("hub");

        var again = await LegacyImport.RunAsync(db.Test.Store, db.Plain);

        Assert.Equal(LegacyImportOutcome.AlreadyImported, again.Outcome);
        Assert.Equal(events, await db.CountAsync("select count(*) from hub.mt_events"));
        Assert.Equal(after, await db.ReadModelsAsync("hub"));
    }

    [Fact]
    public async Task An_import_cut_off_half_way_goes_on_from_where_it_stopped_and_ends_equal()
    {
        await using var db = await LegacyDatabase.CreateAsync("import_resumed");
        var before = await db.ReadModelsAsync("public");

        var cut = await LegacyImport.RunAsync(db.Test.Store, db.Plain, stopAfter: 3);
        Assert.Equal(3, cut.Streams);
        Assert.Equal(3, await db.CountAsync("select count(*) from hub.mt_streams"));
        var rest = await LegacyImport.RunAsync(db.Test.Store, db.Plain);

        Assert.Equal(LegacyImportOutcome.Imported, rest.Outcome);
        Assert.Equal(await db.CountAsync("select count(*) from public.streams") + await db.CountAsync("select count(*) from public.share_links") - 3,
            rest.Streams);
        await AssertSameAsBeforeAsync(db, before);
    }

    [Fact]
    public async Task A_new_database_has_nothing_to_import()
    {
        await using var test = await TestStore.CreateAsync("import_none");
        await using var plain = NpgsqlDataSource.Create(test.ConnectionString);
        Assert.Equal(LegacyImportOutcome.NothingToImport, (await LegacyImport.RunAsync(test.Store, plain)).Outcome);
    }

    private static async Task AssertSameAsBeforeAsync(LegacyDatabase db, IReadOnlyDictionary<string, IReadOnlyList<string>> before)
    {
        var after = await db.ReadModelsAsync("hub");
        foreach (var (table, _) in ReadModels)
        {
            Assert.NotEmpty(before[table]);
            Assert.Equal(before[table], after[table]);
        }

        // The old store had no edit restriction: every imported constitution is open to edits, as it was.
        Assert.Equal(0, await db.CountAsync("select count(*) from hub.constitutions where edits_restricted"));
        // Nor experiment links: every imported share link opens its chat.
        Assert.Equal(0, await db.CountAsync("""
            select count(*) from hub.share_links
            where target <> 'chat' or chat_id is null or experiment_id is not null or snapshot_at is not null or show_prompts
            """));

        // Every old user is a person under the same actor id, name and sign-in times, with a handle of their own.
        Assert.NotEqual(0, await db.CountAsync("select count(*) from public.users"));
        Assert.Equal(0, await db.CountAsync("""
            select count(*) from public.users u full join hub.people p on p.id = u.id
            where p.display_name is distinct from u.display_name or p.first_seen is distinct from u.created
               or p.last_seen is distinct from u.last_seen or p.handle is null
            """));
        Assert.Equal(await db.CountAsync("select count(*) from hub.people"), await db.CountAsync("select count(distinct handle) from hub.people"));

        // Same streams and versions; every event with its id, version, alias, data, time and metadata.
        Assert.Equal(0, await db.CountAsync("""
            select count(*) from public.streams s full join (select * from hub.mt_streams where id not like 'share-%') m on m.id = s.id
            where m.version is distinct from s.version
            """));
        Assert.Equal(0, await db.CountAsync("""
            select count(*) from public.events e full join (select * from hub.mt_events where stream_id not like 'share-%') m on m.id = e.id
            where m.stream_id is distinct from e.stream_id or m.version is distinct from e.version or m.type is distinct from e.type
               or m.data is distinct from e.data or m.user_name is distinct from e.metadata->>'actorId'
               or m.headers->>'actor_name' is distinct from e.metadata->>'actorName'
               or m.correlation_id is distinct from e.metadata->>'correlationId'
               or m.causation_id is distinct from e.metadata->>'causationId'
               or date_trunc('milliseconds', m.timestamp) is distinct from date_trunc('milliseconds', (e.metadata->>'time')::timestamptz)
            """));
        // The global order of the first events of each stream is kept.
        Assert.Equal(0, await db.CountAsync("""
            with old as (select stream_id, rank() over (order by tx_id, seq) as r from public.events where version = 1),
                 new as (select stream_id, rank() over (order by seq_id) as r from hub.mt_events where version = 1 and stream_id not like 'share-%')
            select count(*) from old full join new using (stream_id) where old.r is distinct from new.r
            """));

        // The async search index, once the daemon has run, holds each constitution's current title, summary and text.
        // (The old inline column missed renames: it was computed on saves only, so "alpha", renamed after its last
        // save, is the one row where old and new differ, and the new one is right.)
        await db.Test.CatchUpAsync();
        Assert.Equal(0, await db.CountAsync("""
            select count(*) from hub.constitutions c
            join hub.revisions r on r.constitution_id = c.id and r.number = c.head_revision
            full join hub.search_index s on s.constitution_id = c.id
            where s.search is distinct from setweight(to_tsvector('english', c.title), 'A') || setweight(to_tsvector('english', c.summary), 'B')
                                            || setweight(to_tsvector('english', r.markdown), 'C')
            """));
        Assert.Equal(1, await db.CountAsync("""
            select count(*) from public.constitutions c join hub.search_index s on s.constitution_id = c.id where s.search is distinct from c.search
            """));
    }

    /// <summary>A database loaded from the fixture, with Marten's schema beside the old tables.</summary>
    private sealed class LegacyDatabase : IAsyncDisposable
    {
        private LegacyDatabase(TestStore test, NpgsqlDataSource plain) => (Test, Plain) = (test, plain);

        public TestStore Test { get; }
        /// <summary>The default search path, where the old tables are.</summary>
        public NpgsqlDataSource Plain { get; }

        public static async Task<LegacyDatabase> CreateAsync(string name)
        {
            var cs = await TestPostgres.CreateDatabaseAsync(name, migrated: false);
            await TestPostgres.RestoreAsync(cs, Fixture);
            var test = TestStore.For(cs);
            await test.Store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            return new LegacyDatabase(test, NpgsqlDataSource.Create(cs));
        }

        public async Task<long> CountAsync(string sql)
        {
            await using var command = Plain.CreateCommand(sql);
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }

        /// <summary>Every row of every read-model table of <paramref name="schema"/>, as JSON, in key order.</summary>
        public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> ReadModelsAsync(string schema)
        {
            var result = new Dictionary<string, IReadOnlyList<string>>();
            foreach (var (table, order) in ReadModels)
            {
                // Columns the old store never had are left out here; AssertSameAsBeforeAsync checks their values.
                await using var command = Plain.CreateCommand(
                    $"select (to_jsonb(t) - 'search' - {string.Join(" - ", NewColumns.Select(c => $"'{c}'"))})::text from {schema}.{table} t order by {order}");
                var rows = new List<string>();
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
                result[table] = rows;
            }
            return result;
        }

        public async ValueTask DisposeAsync()
        {
            await Test.DisposeAsync();
            await Plain.DisposeAsync();
        }
    }
}
