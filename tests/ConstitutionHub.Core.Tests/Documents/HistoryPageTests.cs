using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Testing;
using Npgsql;

namespace ConstitutionHub.Core.Tests.Documents;

/// <summary>The history grid's query: pages either way round, filters by author and summary, totals that match.</summary>
public sealed class HistoryPageTests : IAsyncLifetime
{
    private TestStore test = null!;
    private ConstitutionQueries queries = null!;
    private Guid id;

    /// <summary>Revisions 1..23; Ada writes the odd ones, Bea the even ones; every fifth summary says "typo".</summary>
    public async Task InitializeAsync()
    {
        test = await TestStore.CreateAsync(nameof(HistoryPageTests));
        queries = new ConstitutionQueries(test.DataSource);
        var commands = new ConstitutionCommands(test.Streams, queries);
        var ada = new Actor("local:ada", "Ada");
        var bea = new Actor("local:bea", "Bea");
        id = (await commands.CreateAsync(ada, new CreateConstitution("paged", "Paged", "", Visibility.Public, "# Paged\n\nr1\n", "first"), Guid.NewGuid())).Id;
        for (var r = 2; r <= 23; r++)
            await commands.SaveAsync(r % 2 == 1 ? ada : bea, "paged", $"# Paged\n\nr{r}\n", r % 5 == 0 ? $"fix a typo in r{r}" : $"edit {r}", r - 1,
                Guid.NewGuid(), mergeIfStale: false);
    }

    public async Task DisposeAsync() => await test.DisposeAsync();

    [Fact]
    public async Task Unfiltered_pages_run_newest_first_or_oldest_first_and_the_last_page_is_short()
    {
        var first = await queries.HistoryPageAsync(id, page: 0, pageSize: 10);
        Assert.Equal(23, first.Total);
        Assert.Equal(Enumerable.Range(14, 10).Reverse(), first.Items.Select(r => r.Number));
        var last = await queries.HistoryPageAsync(id, page: 2, pageSize: 10);
        Assert.Equal([3, 2, 1], last.Items.Select(r => r.Number));
        var oldest = await queries.HistoryPageAsync(id, page: 1, pageSize: 10, oldestFirst: true);
        Assert.Equal(Enumerable.Range(11, 10), oldest.Items.Select(r => r.Number));
        Assert.Empty((await queries.HistoryPageAsync(id, page: 3, pageSize: 10)).Items);
    }

    [Fact]
    public async Task Filters_narrow_by_author_and_summary_and_count_only_the_matches()
    {
        var bea = await queries.HistoryPageAsync(id, 0, 5, filter: new HistoryFilter(Author: "bE"));
        Assert.Equal(11, bea.Total);
        Assert.Equal([22, 20, 18, 16, 14], bea.Items.Select(r => r.Number));
        Assert.All(bea.Items, r => Assert.Equal("Bea", r.AuthorName));

        var typos = await queries.HistoryPageAsync(id, 0, 50, oldestFirst: true, filter: new HistoryFilter(Summary: "TYPO"));
        Assert.Equal([5, 10, 15, 20], typos.Items.Select(r => r.Number));
        Assert.Equal(4, typos.Total);

        var both = await queries.HistoryPageAsync(id, 0, 50, filter: new HistoryFilter("ada", "typo"));
        Assert.Equal([15, 5], both.Items.Select(r => r.Number));
        // LIKE wildcards typed by a person are text, not patterns.
        Assert.Equal(0, (await queries.HistoryPageAsync(id, 0, 50, filter: new HistoryFilter(Summary: "%"))).Total);
    }
}
