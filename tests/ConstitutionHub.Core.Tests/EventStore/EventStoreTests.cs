using ConstitutionHub.Core.EventStore;
using ConstitutionHub.Testing;
using Npgsql;

namespace ConstitutionHub.Core.Tests.EventStore;

public sealed record Noted(string Text);
public sealed record Renamed(string Name);

public sealed class EventStoreTests : IAsyncLifetime
{
    private NpgsqlDataSource dataSource = null!;
    private Core.EventStore.EventStore store = null!;
    private static readonly EventMetadata Meta = new("local:ada", "Ada", DateTimeOffset.UtcNow, Guid.NewGuid());

    public async Task InitializeAsync()
    {
        dataSource = NpgsqlDataSource.Create(await TestPostgres.CreateDatabaseAsync(nameof(EventStoreTests)));
        store = new Core.EventStore.EventStore(dataSource, Registry(), []);
    }

    public async Task DisposeAsync() => await dataSource.DisposeAsync();

    internal static EventTypeRegistry Registry() => new EventTypeRegistry().Register<Noted>("noted").Register<Renamed>("renamed");

    private static NewEvent Note(string text) => new(Guid.NewGuid(), new Noted(text));

    [Fact]
    public async Task Appending_to_a_new_stream_numbers_events_from_one_and_reads_them_back_typed()
    {
        var result = await store.AppendAsync("s-1", "test", ExpectedVersion.NoStream, [Note("a"), Note("b")], Meta);

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
        using var failing = store.OnCommitted(_ => throw new InvalidOperationException("a broken listener"));
        var listening = store.OnCommitted(events =>
        {
            // Handed over after commit: a reader on another connection already sees the events.
            using var command = dataSource.CreateCommand("select count(*) from events where stream_id = 's-heard'");
            Assert.Equal((long)heard.Count + events.Count, (long)command.ExecuteScalar()!);
            heard.AddRange(events);
        });

        await store.AppendAsync("s-heard", "test", ExpectedVersion.NoStream, [Note("a"), Note("b")], Meta);
        listening.Dispose();
        await store.AppendAsync("s-heard", "test", 2, [Note("c")], Meta);

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
        await using (var listen = new NpgsqlCommand($"listen {Core.EventStore.EventStore.NotificationChannel}", listener))
            await listen.ExecuteNonQueryAsync();

        await store.AppendAsync("s-told", "test", ExpectedVersion.NoStream, [Note("small"), new NewEvent(Guid.NewGuid(), new Renamed("n"))], Meta);
        var large = new string('x', Core.EventStore.EventStore.MaxNotificationBytes);
        await store.AppendAsync("s-told", "test", 2, [Note(large)], Meta);
        while (payloads.Count < 2) Assert.True(await listener.WaitAsync(TimeSpan.FromSeconds(5)), "No notification within 5 s.");

        var small = System.Text.Json.JsonSerializer.Deserialize<StreamChanged>(payloads[0])!;
        var told = store.EventsOf(small)!;
        var stored = await store.ReadStreamAsync("s-told");
        Assert.Equal(stored.Take(2).Select(e => (e.Sequence, e.Id, e.Version, e.Type, e.TransactionId)),
            told.Select(e => (e.Sequence, e.Id, e.Version, e.Type, e.TransactionId)));
        Assert.Equal(new Noted("small"), told[0].Data);
        Assert.Equal(new Renamed("n"), told[1].Data);
        Assert.Equal(Meta.CorrelationId, told[0].Metadata.CorrelationId);

        var big = System.Text.Json.JsonSerializer.Deserialize<StreamChanged>(payloads[1])!;
        Assert.Equal(3, big.Version);
        Assert.Null(store.EventsOf(big));
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(payloads[1]) < 8000);
    }

    [Fact]
    public async Task The_stored_type_is_the_alias_not_the_clr_name()
    {
        await store.AppendAsync("s-alias", "test", ExpectedVersion.NoStream, [new NewEvent(Guid.NewGuid(), new Renamed("x"))], Meta);
        await using var command = dataSource.CreateCommand("select type, data::text from events where stream_id = 's-alias'");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("renamed", reader.GetString(0));
        Assert.DoesNotContain("ConstitutionHub", reader.GetString(1), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Appending_with_a_stale_expected_version_raises_a_typed_conflict_and_writes_nothing()
    {
        await store.AppendAsync("s-2", "test", ExpectedVersion.NoStream, [Note("a")], Meta);
        await store.AppendAsync("s-2", "test", 1, [Note("b")], Meta);

        var conflict = await Assert.ThrowsAsync<WrongExpectedVersionException>(
            () => store.AppendAsync("s-2", "test", 1, [Note("stale")], Meta));

        Assert.Equal(1, conflict.Expected);
        Assert.Equal(2, conflict.Actual);
        Assert.Equal(2, (await store.ReadStreamAsync("s-2")).Count);
    }

    [Fact]
    public async Task Creating_a_stream_that_exists_is_a_conflict()
    {
        await store.AppendAsync("s-3", "test", ExpectedVersion.NoStream, [Note("a")], Meta);
        var conflict = await Assert.ThrowsAsync<WrongExpectedVersionException>(
            () => store.AppendAsync("s-3", "test", ExpectedVersion.NoStream, [Note("again")], Meta));
        Assert.Equal(1, conflict.Actual);
    }

    [Fact]
    public async Task A_retried_append_with_the_same_event_ids_is_applied_once()
    {
        var events = new[] { Note("once"), Note("twice?") };
        var first = await store.AppendAsync("s-4", "test", ExpectedVersion.NoStream, events, Meta);
        var retry = await store.AppendAsync("s-4", "test", ExpectedVersion.NoStream, events, Meta);

        Assert.False(first.AlreadyApplied);
        Assert.True(retry.AlreadyApplied);
        Assert.Equal(first.Version, retry.Version);
        Assert.Equal(2, (await store.ReadStreamAsync("s-4")).Count);
    }

    [Fact]
    public async Task Concurrent_retries_of_one_append_store_it_exactly_once()
    {
        await store.AppendAsync("s-5", "test", ExpectedVersion.NoStream, [Note("start")], Meta);
        var events = new[] { Note("raced") };
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => store.AppendAsync("s-5", "test", 1, events, Meta)));

        Assert.Single(results, r => !r.AlreadyApplied);
        Assert.Equal(2, (await store.ReadStreamAsync("s-5")).Count);
    }

    [Fact]
    public async Task Reusing_an_event_id_in_another_stream_is_refused()
    {
        var note = Note("mine");
        await store.AppendAsync("s-6a", "test", ExpectedVersion.NoStream, [note], Meta);
        await Assert.ThrowsAsync<IdempotencyConflictException>(
            () => store.AppendAsync("s-6b", "test", ExpectedVersion.NoStream, [note], Meta));
    }

    [Fact]
    public async Task Many_writers_on_one_stream_lose_no_update()
    {
        await store.AppendAsync("s-7", "test", ExpectedVersion.NoStream, [Note("0")], Meta);
        const int writers = 8, perWriter = 15;

        async Task Writer(int w)
        {
            for (var i = 0; i < perWriter; i++)
            {
                var note = Note($"{w}-{i}");
                while (true)
                {
                    var version = await store.VersionAsync("s-7");
                    try { await store.AppendAsync("s-7", "test", version, [note], Meta); break; }
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
    public async Task Reading_all_never_passes_a_transaction_that_is_still_open()
    {
        await store.AppendAsync("s-8a", "test", ExpectedVersion.NoStream, [Note("before")], Meta);
        var before = await ReadAllOnceVisibleAsync(GlobalPosition.Start, "s-8a");
        var position = before[^1].Position;

        // Hold a transaction open that has taken a sequence number but not committed.
        await using var blocker = await dataSource.OpenConnectionAsync();
        await using var tx = await blocker.BeginTransactionAsync();
        await using (var insertStream = new NpgsqlCommand("insert into streams (id, type, version) values ('s-8b', 'test', 1)", blocker))
            await insertStream.ExecuteNonQueryAsync();
        await using (var insert = new NpgsqlCommand(
            "insert into events (id, stream_id, version, type, data, metadata) values (gen_random_uuid(), 's-8b', 1, 'noted', '{\"text\":\"slow\"}', '{}')", blocker))
            await insert.ExecuteNonQueryAsync();

        // A later, committed append has a higher sequence; it must not be handed out ahead of the open one.
        await store.AppendAsync("s-8c", "test", ExpectedVersion.NoStream, [Note("after")], Meta);
        var whileOpen = await store.ReadAllAsync(position, 10_000);
        Assert.Empty(whileOpen);

        await tx.CommitAsync();
        var afterCommit = await ReadAllOnceVisibleAsync(position, "s-8c");
        Assert.Equal(["s-8b", "s-8c"], afterCommit.Select(e => e.StreamId));
    }

    /// <summary>
    /// Reads the global log until <paramref name="stream"/> shows up. The read stops below the oldest transaction
    /// still open anywhere in the cluster, and other tests share the cluster, so a committed event can take a moment.
    /// </summary>
    private async Task<IReadOnlyList<StoredEvent>> ReadAllOnceVisibleAsync(GlobalPosition from, string stream)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var events = await store.ReadAllAsync(from, 10_000);
            if (events.Any(e => e.StreamId == stream) || DateTime.UtcNow > deadline) return events;
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task A_listener_hears_of_an_append_only_after_it_commits()
    {
        await using var listener = await dataSource.OpenConnectionAsync();
        var heard = new TaskCompletionSource<string>();
        listener.Notification += (_, e) => heard.TrySetResult(e.Payload);
        await using (var listen = new NpgsqlCommand($"listen {Core.EventStore.EventStore.NotificationChannel}", listener))
            await listen.ExecuteNonQueryAsync();

        await store.AppendAsync("s-9", "test", ExpectedVersion.NoStream, [Note("hello")], Meta);
        await listener.WaitAsync(TimeSpan.FromSeconds(5));

        var payload = await heard.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("s-9", System.Text.Json.JsonSerializer.Deserialize<StreamChanged>(payload)!.Stream);
    }
}
