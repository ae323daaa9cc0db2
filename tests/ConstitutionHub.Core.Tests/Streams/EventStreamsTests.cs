using ConstitutionHub.Core.Streams;
using ConstitutionHub.Testing;
using Npgsql;

namespace ConstitutionHub.Core.Tests.Streams;

public sealed record Noted(string Text);
public sealed record Renamed(string Name);

/// <summary>The guarantees of our streams on Marten, against a real PostgreSQL: versions, conflicts, idempotency,
/// metadata, aliases and the commit hook.</summary>
public sealed class EventStreamsTests : IAsyncLifetime
{
    private TestStore test = null!;
    private EventStreams store = null!;
    private NpgsqlDataSource dataSource = null!;
    private static readonly EventMetadata Meta = new("local:ada", "Ada", DateTimeOffset.UtcNow, Guid.NewGuid(), Guid.NewGuid());

    public async Task InitializeAsync()
    {
        test = await TestStore.CreateAsync(nameof(EventStreamsTests), TestEvents);
        (store, dataSource) = (test.Streams, test.DataSource);
    }

    public async Task DisposeAsync() => await test.DisposeAsync();

    /// <summary>The test streams' events, under aliases of their own.</summary>
    internal static readonly IReadOnlyDictionary<string, Type> TestEvents = new Dictionary<string, Type>
    {
        ["noted"] = typeof(Noted), ["renamed"] = typeof(Renamed),
    };

    private static NewEvent Note(string text) => new(Guid.NewGuid(), new Noted(text));

    [Fact]
    public async Task Appending_to_a_new_stream_numbers_events_from_one_and_reads_them_back_typed()
    {
        var result = await store.AppendAsync("s-1", ExpectedVersion.NoStream, [Note("a"), Note("b")], Meta);

        Assert.Equal(2, result.Version);
        var events = await store.ReadStreamAsync("s-1");
        Assert.Equal([1L, 2L], events.Select(e => e.Version));
        Assert.Equal(["a", "b"], events.Select(e => ((Noted)e.Data).Text));
        Assert.All(events, e => Assert.Equal("noted", e.Type));
        Assert.All(events, e => Assert.Equal("Ada", e.Metadata.ActorName));
        Assert.All(events, e => Assert.Equal(Meta.CorrelationId, e.Metadata.CorrelationId));
    }

    [Fact]
    public async Task A_committed_append_is_handed_to_listeners_with_its_versions_and_a_failing_listener_fails_nothing()
    {
        var heard = new List<StoredEvent>();
        using var failing = test.Commits.OnCommitted(_ => throw new InvalidOperationException("a broken listener"));
        var listening = test.Commits.OnCommitted(events =>
        {
            // Handed over after commit: a reader on another connection already sees the events.
            using var command = dataSource.CreateCommand("select count(*) from mt_events where stream_id = 's-heard'");
            Assert.Equal((long)heard.Count + events.Count, (long)command.ExecuteScalar()!);
            heard.AddRange(events);
        });

        await store.AppendAsync("s-heard", ExpectedVersion.NoStream, [Note("a"), Note("b")], Meta);
        listening.Dispose();
        await store.AppendAsync("s-heard", 2, [Note("c")], Meta);

        Assert.Equal([1L, 2L], heard.Select(e => e.Version));
        Assert.Equal(["a", "b"], heard.Select(e => ((Noted)e.Data).Text));
        Assert.All(heard, e => Assert.Equal("s-heard", e.StreamId));
        Assert.Equal(3, (await store.ReadStreamAsync("s-heard")).Count);
    }

    [Fact]
    public async Task The_notification_carries_a_small_appends_events_and_a_large_one_only_its_version()
    {
        await using var listener = await dataSource.OpenConnectionAsync();
        var payloads = new List<string>();
        listener.Notification += (_, e) => payloads.Add(e.Payload);
        await using (var listen = new NpgsqlCommand($"listen {CommitAnnouncer.Channel}", listener))
            await listen.ExecuteNonQueryAsync();

        await store.AppendAsync("s-told", ExpectedVersion.NoStream, [Note("small"), new NewEvent(Guid.NewGuid(), new Renamed("n"))], Meta);
        var large = new string('x', CommitAnnouncer.MaxNotificationBytes);
        await store.AppendAsync("s-told", 2, [Note(large)], Meta);
        while (payloads.Count < 2) Assert.True(await listener.WaitAsync(TimeSpan.FromSeconds(5)), "No notification within 5 s.");

        var small = System.Text.Json.JsonSerializer.Deserialize<StreamChanged>(payloads[0])!;
        var told = test.Commits.EventsOf(small)!;
        var stored = await store.ReadStreamAsync("s-told");
        Assert.Equal(stored.Take(2).Select(e => (e.Sequence, e.Id, e.Version, e.Type)),
            told.Select(e => (e.Sequence, e.Id, e.Version, e.Type)));
        Assert.Equal(new Noted("small"), told[0].Data);
        Assert.Equal(new Renamed("n"), told[1].Data);
        Assert.Equal(Meta.CorrelationId, told[0].Metadata.CorrelationId);

        var big = System.Text.Json.JsonSerializer.Deserialize<StreamChanged>(payloads[1])!;
        Assert.Equal(3, big.Version);
        Assert.Null(test.Commits.EventsOf(big));
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(payloads[1]) < 8000);
    }

    [Fact]
    public async Task The_stored_type_is_the_alias_not_the_clr_name()
    {
        await store.AppendAsync("s-alias", ExpectedVersion.NoStream, [new NewEvent(Guid.NewGuid(), new Renamed("x"))], Meta);
        await using var command = dataSource.CreateCommand("select type, data::text from mt_events where stream_id = 's-alias'");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("renamed", reader.GetString(0));
        Assert.DoesNotContain("ConstitutionHub", reader.GetString(1), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Appending_with_a_stale_expected_version_raises_a_typed_conflict_and_writes_nothing()
    {
        await store.AppendAsync("s-2", ExpectedVersion.NoStream, [Note("a")], Meta);
        await store.AppendAsync("s-2", 1, [Note("b")], Meta);

        var conflict = await Assert.ThrowsAsync<WrongExpectedVersionException>(
            () => store.AppendAsync("s-2", 1, [Note("stale")], Meta));

        Assert.Equal(1, conflict.Expected);
        Assert.Equal(2, conflict.Actual);
        Assert.Equal(2, (await store.ReadStreamAsync("s-2")).Count);
    }

    [Fact]
    public async Task Creating_a_stream_that_exists_is_a_conflict()
    {
        await store.AppendAsync("s-3", ExpectedVersion.NoStream, [Note("a")], Meta);
        var conflict = await Assert.ThrowsAsync<WrongExpectedVersionException>(
            () => store.AppendAsync("s-3", ExpectedVersion.NoStream, [Note("again")], Meta));
        Assert.Equal(1, conflict.Actual);
    }

    [Fact]
    public async Task A_retried_append_with_the_same_event_ids_is_applied_once()
    {
        var events = new[] { Note("once"), Note("twice?") };
        var first = await store.AppendAsync("s-4", ExpectedVersion.NoStream, events, Meta);
        var retry = await store.AppendAsync("s-4", ExpectedVersion.NoStream, events, Meta);

        Assert.False(first.AlreadyApplied);
        Assert.True(retry.AlreadyApplied);
        Assert.Equal(first.Version, retry.Version);
        Assert.Equal(2, (await store.ReadStreamAsync("s-4")).Count);
    }

    [Fact]
    public async Task Concurrent_retries_of_one_append_store_it_exactly_once()
    {
        await store.AppendAsync("s-5", ExpectedVersion.NoStream, [Note("start")], Meta);
        var events = new[] { Note("raced") };
        // One EventStreams writes a stream's appends one group after another; separate ones (as on separate web
        // nodes) really race in the database.
        var nodes = Enumerable.Range(0, 4).Select(_ => new EventStreams(test.Store, dataSource)).ToList();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => nodes[i % nodes.Count].AppendAsync("s-5", 1, events, Meta)));

        Assert.Single(results, r => !r.AlreadyApplied);
        Assert.Equal(2, (await store.ReadStreamAsync("s-5")).Count);
    }

    [Fact]
    public async Task Reusing_an_event_id_in_another_stream_is_refused()
    {
        var note = Note("mine");
        await store.AppendAsync("s-6a", ExpectedVersion.NoStream, [note], Meta);
        await Assert.ThrowsAsync<IdempotencyConflictException>(
            () => store.AppendAsync("s-6b", ExpectedVersion.NoStream, [note], Meta));
    }

    [Fact]
    public async Task Many_writers_on_one_stream_lose_no_update()
    {
        await store.AppendAsync("s-7", ExpectedVersion.NoStream, [Note("0")], Meta);
        const int writers = 8, perWriter = 15;

        async Task Writer(int w)
        {
            for (var i = 0; i < perWriter; i++)
            {
                var note = Note($"{w}-{i}");
                while (true)
                {
                    var version = await store.VersionAsync("s-7");
                    try { await store.AppendAsync("s-7", version, [note], Meta); break; }
                    catch (WrongExpectedVersionException) { /* someone else won: read again and retry */ }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, writers).Select(Writer));
        var events = await store.ReadStreamAsync("s-7");
        Assert.Equal(1 + writers * perWriter, events.Count);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Version));
        Assert.Equal(events.Count, events.Select(e => ((Noted)e.Data).Text).Distinct().Count());
    }

    [Fact]
    public async Task A_listener_hears_of_an_append_only_after_it_commits()
    {
        await using var listener = await dataSource.OpenConnectionAsync();
        var heard = new TaskCompletionSource<string>();
        listener.Notification += (_, e) => heard.TrySetResult(e.Payload);
        await using (var listen = new NpgsqlCommand($"listen {CommitAnnouncer.Channel}", listener))
            await listen.ExecuteNonQueryAsync();

        await store.AppendAsync("s-9", ExpectedVersion.NoStream, [Note("hello")], Meta);
        await listener.WaitAsync(TimeSpan.FromSeconds(5));

        var payload = await heard.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("s-9", System.Text.Json.JsonSerializer.Deserialize<StreamChanged>(payload)!.Stream);
    }

    [Fact]
    public async Task Metadata_travels_in_martens_columns_and_reads_back_whole()
    {
        var time = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero).AddTicks(9);
        var meta = new EventMetadata("oidc:auth0|7", "Grace Hopper", time, Guid.NewGuid(), Guid.NewGuid());
        await store.AppendAsync("s-meta", ExpectedVersion.NoStream, [Note("m")], meta);
        var later = meta with { Time = time.AddMinutes(5), CorrelationId = Guid.NewGuid(), CausationId = null };
        await store.AppendAsync("s-meta", 1, [Note("n")], later);

        var read = (await store.ReadStreamAsync("s-meta")).Select(e => e.Metadata).ToList();
        // PostgreSQL keeps microseconds: the tenth of a microsecond is the only thing lost. Both the start of a stream
        // and an append to it store the command's time, not the database's clock.
        Assert.Equal([meta with { Time = time.AddTicks(-9) }, later with { Time = later.Time.AddTicks(-9) }], read);
        await using var command = dataSource.CreateCommand(
            "select user_name, correlation_id, causation_id, headers->>'actor_name', timestamp from mt_events where stream_id = 's-meta' and version = 1");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("oidc:auth0|7", meta.CorrelationId.ToString(), meta.CausationId.ToString(), "Grace Hopper"),
            (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        Assert.Equal(time.AddTicks(-9), reader.GetFieldValue<DateTimeOffset>(4));
    }

    [Fact]
    public async Task A_conflict_says_what_happened_not_martens_expected_minus_one()
    {
        await store.AppendAsync("s-said", ExpectedVersion.NoStream, [Note("a"), Note("b"), Note("c")], Meta);
        var conflict = await Assert.ThrowsAsync<WrongExpectedVersionException>(() => store.AppendAsync("s-said", 1, [Note("late")], Meta));
        Assert.Equal("Stream 's-said' is at version 3, not the expected 1: someone else wrote to it in between.", conflict.Message);
    }

    [Fact]
    public async Task An_event_is_found_by_its_id()
    {
        var note = Note("findable");
        await store.AppendAsync("s-find", ExpectedVersion.NoStream, [Note("first"), note], Meta);
        var found = await store.FindAsync(note.Id);
        Assert.Equal(("s-find", 2L, (object)new Noted("findable")), (found!.StreamId, found.Version, found.Data));
        Assert.Null(await store.FindAsync(Guid.NewGuid()));
    }

    [Fact]
    public async Task A_commit_is_heard_once_per_stream_by_each_listener()
    {
        var heard = new List<StoredEvent>();
        using var listening = test.Commits.OnCommitted(events => { lock (heard) heard.AddRange(events); });
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => store.AppendAsync($"s-once-{i}", ExpectedVersion.NoStream, [Note($"{i}")], Meta)));
        Assert.Equal(10, heard.Count);
        Assert.Equal(10, heard.Select(e => e.StreamId).Distinct().Count());
    }

    /// <summary>Rows inserted by the same transaction share its id (the system column <c>xmin</c>).</summary>
    private async Task<long> TransactionsThatWrote(string streamPrefix)
    {
        await using var command = dataSource.CreateCommand(
            "select count(distinct xmin::text) from mt_events where stream_id like @prefix || '%'");
        command.Parameters.AddWithValue("prefix", streamPrefix);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Concurrent_appends_to_different_streams_share_transactions_and_each_gets_its_own_result()
    {
        const int streams = 40;
        var results = await Task.WhenAll(Enumerable.Range(0, streams).Select(i =>
            store.AppendAsync($"g-{i}", ExpectedVersion.NoStream, [Note($"{i}a"), Note($"{i}b")], Meta)));

        Assert.Equal(Enumerable.Range(0, streams).Select(i => ($"g-{i}", 2L, false)), results.Select(r => (r.StreamId, r.Version, r.AlreadyApplied)));
        Assert.Equal(streams, results.Select(r => r.LastSequence).Distinct().Count());
        foreach (var i in new[] { 0, 17, streams - 1 })
            Assert.Equal([$"{i}a", $"{i}b"], (await store.ReadStreamAsync($"g-{i}")).Select(e => ((Noted)e.Data).Text));
        // The first append went out alone; the ones queued behind it went together.
        var transactions = await TransactionsThatWrote("g-");
        Assert.True(transactions < streams / 2, $"{streams} concurrent appends took {transactions} transactions");
    }

    [Fact]
    public async Task A_stale_append_among_concurrent_ones_fails_alone()
    {
        const int streams = 20;
        for (var i = 0; i < streams; i++) await store.AppendAsync($"h-{i}", ExpectedVersion.NoStream, [Note("start")], Meta);

        // Stream h-7 is at version 1; its append claims 5.
        var appends = Enumerable.Range(0, streams).Select(i => store.AppendAsync($"h-{i}", i == 7 ? 5 : 1, [Note($"next {i}")], Meta)).ToList();
        var conflict = await Assert.ThrowsAsync<WrongExpectedVersionException>(() => appends[7]);
        var others = await Task.WhenAll(appends.Where((_, i) => i != 7));

        Assert.Equal("Stream 'h-7' is at version 1, not the expected 5: someone else wrote to it in between.", conflict.Message);
        Assert.All(others, r => Assert.Equal(2, r.Version));
        Assert.Single(await store.ReadStreamAsync("h-7"));
        for (var i = 0; i < streams; i++)
            if (i != 7) Assert.Equal(["start", $"next {i}"], (await store.ReadStreamAsync($"h-{i}")).Select(e => ((Noted)e.Data).Text));
    }

    [Fact]
    public async Task A_retry_among_concurrent_appends_is_applied_once_and_the_others_go_through()
    {
        var first = new[] { Note("only once") };
        await store.AppendAsync("k-retried", ExpectedVersion.NoStream, first, Meta);

        var appends = Enumerable.Range(0, 10).Select(i => store.AppendAsync($"k-{i}", ExpectedVersion.NoStream, [Note($"{i}")], Meta))
            .Append(store.AppendAsync("k-retried", ExpectedVersion.NoStream, first, Meta)).ToList();
        var results = await Task.WhenAll(appends);

        Assert.True(results[^1].AlreadyApplied);
        Assert.All(results[..^1], r => Assert.False(r.AlreadyApplied));
        Assert.Single(await store.ReadStreamAsync("k-retried"));
        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal(1, store.VersionAsync($"k-{i}").Result));
    }

    [Fact]
    public async Task Every_commit_is_notified_once_after_it_commits_and_a_failed_append_not_at_all()
    {
        await using var listener = await dataSource.OpenConnectionAsync();
        await using var probe = await dataSource.OpenConnectionAsync();
        var heard = new List<(string Stream, long Version, bool Visible)>();
        listener.Notification += (_, e) =>
        {
            var changed = System.Text.Json.JsonSerializer.Deserialize<StreamChanged>(e.Payload)!;
            // At the moment a node hears of a commit, another connection already sees it.
            using var visible = new NpgsqlCommand("select count(*) from mt_events where stream_id = @s and version = @v", probe);
            visible.Parameters.AddWithValue("s", changed.Stream);
            visible.Parameters.AddWithValue("v", changed.Version);
            heard.Add((changed.Stream, changed.Version, (long)visible.ExecuteScalar()! == 1));
        };
        await using (var listen = new NpgsqlCommand($"listen {CommitAnnouncer.Channel}", listener))
            await listen.ExecuteNonQueryAsync();
        // Notifications go out after commit, from a sender of their own: the set-up append is heard first and
        // forgotten, so that only the appends under test are counted.
        await store.AppendAsync("n-stale", ExpectedVersion.NoStream, [Note("start")], Meta);
        while (!heard.Any(h => h.Stream == "n-stale"))
            Assert.True(await listener.WaitAsync(TimeSpan.FromSeconds(10)), "No notification within 10 s.");
        heard.Clear();

        const int streams = 30;
        var appends = Enumerable.Range(0, streams).Select(i => store.AppendAsync($"n-{i}", ExpectedVersion.NoStream, [Note($"{i}")], Meta)).ToList();
        var stale = store.AppendAsync("n-stale", 4, [Note("never")], Meta);
        await Task.WhenAll(appends);
        await Assert.ThrowsAsync<WrongExpectedVersionException>(() => stale);
        // One sender sends notifications in commit order: once the last one is heard, every earlier one was.
        await store.AppendAsync("n-last", ExpectedVersion.NoStream, [Note("last")], Meta);
        while (!heard.Any(h => h.Stream == "n-last"))
            Assert.True(await listener.WaitAsync(TimeSpan.FromSeconds(10)), "No notification within 10 s.");

        var ofAppends = heard.Where(h => h.Stream != "n-last").ToList();
        Assert.Equal(Enumerable.Range(0, streams).Select(i => $"n-{i}").Order(), ofAppends.Select(h => h.Stream).Order());
        Assert.All(ofAppends, h => Assert.Equal(1, h.Version));
        Assert.All(heard, h => Assert.True(h.Visible, $"{h.Stream}@{h.Version} was announced before another connection could see it"));
    }
}
