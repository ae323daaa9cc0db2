using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Core.People;
using ConstitutionHub.Testing;
using Npgsql;

namespace ConstitutionHub.Core.Tests.Documents;

/// <summary>The write side against a real PostgreSQL: many writers at once, idempotent retries, read models in step.</summary>
public sealed class ConstitutionCommandsTests : IAsyncLifetime
{
    private TestStore test = null!;
    private NpgsqlDataSource dataSource = null!;
    private ConstitutionCommands commands = null!;
    private ConstitutionQueries queries = null!;

    public async Task InitializeAsync()
    {
        test = await TestStore.CreateAsync(nameof(ConstitutionCommandsTests));
        dataSource = test.DataSource;
        queries = new ConstitutionQueries(dataSource);
        commands = new ConstitutionCommands(test.Streams, queries);
    }

    public async Task DisposeAsync() => await test.DisposeAsync();

    [Theory]
    [InlineData(6, 5)]
    [InlineData(64, 1)]
    public async Task Many_writers_editing_different_sections_from_stale_revisions_lose_no_edit(int writers, int rounds)
    {
        var slug = $"shared-{writers}";
        var initial = "# Shared\n\n" + string.Concat(Enumerable.Range(0, writers).Select(w => $"## Section {w}\n\nwriter {w} round 0\n\n"));
        await commands.CreateAsync(new Actor("local:setup", "Setup"), new CreateConstitution(slug, "Shared", "", Visibility.Public, initial, ""), Guid.NewGuid());

        async Task Writer(int w)
        {
            var actor = new Actor($"local:w{w}", $"W{w}");
            for (var round = 1; round <= rounds; round++)
            {
                // Every writer starts from whatever it read, which is usually stale by the time it saves.
                var state = await queries.StateAsync(slug);
                var text = state!.HeadMarkdown.Replace($"writer {w} round {round - 1}", $"writer {w} round {round}", StringComparison.Ordinal);
                await Task.Yield();
                var result = await commands.SaveAsync(actor, slug, text, $"w{w} r{round}", state.Head, Guid.NewGuid());
                Assert.False(result.IsConflict, $"writer {w} round {round} hit a conflict");
            }
        }

        await Task.WhenAll(Enumerable.Range(0, writers).Select(Writer));

        var final = await queries.StateAsync(slug);
        for (var w = 0; w < writers; w++)
            Assert.Contains($"writer {w} round {rounds}", final!.HeadMarkdown, StringComparison.Ordinal);
        Assert.Equal(1 + writers * rounds, final!.Head);
        var history = await queries.HistoryAsync(final.Id, limit: 500);
        Assert.Equal(Enumerable.Range(1, final.Head).Reverse(), history.Select(r => r.Number));
    }

    [Fact]
    public async Task Racing_retries_of_one_save_commit_it_once()
    {
        var actor = new Actor("local:ada", "Ada");
        await commands.CreateAsync(actor, new CreateConstitution("race", "Race", "", Visibility.Public, "# R\n\nOne.\n", ""), Guid.NewGuid());
        var command = Guid.NewGuid();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => commands.SaveAsync(actor, "race", "# R\n\nTwo.\n", "", 1, command)));

        Assert.All(results, r => Assert.Equal(2, r.Revision));
        Assert.Equal(2, (await queries.BySlugAsync("race"))!.HeadRevision);
        Assert.Equal(3L, await new EventStreams(test.Store, dataSource).VersionAsync(ConstitutionStream.Id((await queries.BySlugAsync("race"))!.Id)));
    }

    [Fact]
    public async Task A_retried_save_with_the_same_command_id_commits_once()
    {
        var actor = new Actor("local:ada", "Ada");
        await commands.CreateAsync(actor, new CreateConstitution("retry", "Retry", "", Visibility.Public, "# R\n\nOne.\n", ""), Guid.NewGuid());
        var command = Guid.NewGuid();

        var first = await commands.SaveAsync(actor, "retry", "# R\n\nTwo.\n", "", 1, command);
        var again = await commands.SaveAsync(actor, "retry", "# R\n\nTwo.\n", "", 1, command);

        Assert.Equal(2, first.Revision);
        Assert.Equal(2, again.Revision);
        Assert.Equal(2, (await queries.BySlugAsync("retry"))!.HeadRevision);
    }

    [Fact]
    public async Task Forking_keeps_the_origin_and_the_section_ids()
    {
        var actor = new Actor("local:ada", "Ada");
        var source = await commands.CreateAsync(actor, new CreateConstitution("origin", "Origin", "", Visibility.Public,
            "# O\n\n## Honesty\n\nTruth.\n", ""), Guid.NewGuid());
        var fork = await commands.ForkAsync(new Actor("local:bea", "Bea"), "origin", 1, "origin-fork", "Fork", Guid.NewGuid());

        Assert.Equal(source.Id, fork.ForkedFromId);
        Assert.Equal(1, fork.ForkedFromRevision);
        Assert.Equal("local:bea", fork.OwnerId);
        var a = await queries.RevisionAsync(source.Id, 1);
        var b = await queries.RevisionAsync(fork.Id, 1);
        Assert.Equal(a!.Sections.Select(s => s.Id), b!.Sections.Select(s => s.Id));
        Assert.Single(await queries.ForksOfAsync(source.Id, null));
    }

    [Fact]
    public async Task Size_deltas_and_search_follow_each_revision()
    {
        var actor = new Actor("local:ada", "Ada");
        await commands.CreateAsync(actor, new CreateConstitution("sizes", "Sizes", "", Visibility.Public, "# S\n\nabc\n", ""), Guid.NewGuid());
        await commands.SaveAsync(actor, "sizes", "# S\n\nabc and a rare word: quokka\n", "", 1, Guid.NewGuid());

        var row = await queries.BySlugAsync("sizes");
        var history = await queries.HistoryAsync(row!.Id);
        Assert.Equal(history[1].Size + history[0].SizeDelta, history[0].Size);
        // The text index is an async projection: titles match at once, text once the daemon has caught up.
        Assert.Contains(await queries.SearchAsync("Sizes", null), h => h.Constitution.Slug == "sizes");
        await test.CatchUpAsync();
        Assert.Contains(await queries.SearchAsync("quokka", null), h => h.Constitution.Slug == "sizes");
        Assert.DoesNotContain(await queries.SearchAsync("wombat", null), h => h.Constitution.Slug == "sizes");
    }
}
