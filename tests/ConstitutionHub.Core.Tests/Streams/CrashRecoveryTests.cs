using System.Collections.Concurrent;
using ConstitutionHub.Core.Database;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Testing;
using Npgsql;

namespace ConstitutionHub.Core.Tests.Streams;

/// <summary>Runs its own cluster, because it crashes it.</summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task After_an_immediate_shutdown_every_acknowledged_event_is_present_and_no_partial_append_is()
    {
        var root = Path.Combine(Path.GetTempPath(), $"chub-crash-{Guid.NewGuid():N}");
        // fsync stays on as in production, though a process crash (not a power cut) is what we simulate.
        await using var pg = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { RootDirectory = root, Database = "crash" });
        pg.RemoveWhenProcessExits(Environment.ProcessId);
        try
        {
            var acknowledged = new ConcurrentBag<(string Stream, long Version, Guid First, Guid Second)>();
            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var crashing = false;
            await using (var test = TestStore.For(pg.ConnectionString, EventStreamsTests.TestEvents))
            {
                await test.Store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
                var store = test.Streams;
                var meta = new EventMetadata("local:crash", "Crash", DateTimeOffset.UtcNow, Guid.NewGuid());

                async Task Writer(int w)
                {
                    var stream = $"crash-{w}";
                    long version = 0;
                    while (!Volatile.Read(ref crashing))
                    {
                        // Two events per append: after recovery we must find both or neither.
                        var pair = new[] { new NewEvent(Guid.NewGuid(), new Noted("a")), new NewEvent(Guid.NewGuid(), new Noted("b")) };
                        try
                        {
                            var result = await store.AppendAsync(stream, version, pair, meta);
                            version = result.Version;
                            acknowledged.Add((stream, version, pair[0].Id, pair[1].Id));
                            if (acknowledged.Count >= 200) enough.TrySetResult();
                        }
                        catch (Exception) when (Volatile.Read(ref crashing))
                        {
                            return; // The server went away mid-append: not acknowledged.
                        }
                    }
                }

                var writers = Enumerable.Range(0, 4).Select(Writer).ToArray();
                await enough.Task.WaitAsync(TimeSpan.FromMinutes(2));
                Volatile.Write(ref crashing, true);
                await pg.StopAsync(immediate: true);
                await Task.WhenAll(writers);
            }

            await pg.RestartAsync();
            await using var recovered = NpgsqlDataSource.Create(pg.ConnectionString);
            var stored = new HashSet<Guid>();
            var perStream = new Dictionary<string, List<long>>();
            await using (var command = recovered.CreateCommand("select id, stream_id, version from hub.mt_events order by stream_id, version"))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    stored.Add(reader.GetGuid(0));
                    var list = perStream.TryGetValue(reader.GetString(1), out var l) ? l : perStream[reader.GetString(1)] = [];
                    list.Add(reader.GetInt64(2));
                }
            }

            Assert.True(acknowledged.Count >= 200);
            Assert.All(acknowledged, a => Assert.True(stored.Contains(a.First) && stored.Contains(a.Second),
                $"acknowledged append {a.Stream}@{a.Version} is missing after recovery"));
            foreach (var (stream, versions) in perStream)
            {
                Assert.True(versions.Count % 2 == 0, $"{stream} holds half an append");
                Assert.Equal(Enumerable.Range(1, versions.Count).Select(i => (long)i), versions);
            }
            await using var streamVersions = recovered.CreateCommand(
                "select count(*) from hub.mt_streams s where s.version <> (select coalesce(max(version), 0) from hub.mt_events e where e.stream_id = s.id)");
            Assert.Equal(0L, await streamVersions.ExecuteScalarAsync());
        }
        finally
        {
            await pg.StopAsync();
            NpgsqlConnection.ClearAllPools();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
