using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.PromptSets;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Core.Tests.Chats;
using Microsoft.Extensions.Time.Testing;

namespace ConstitutionHub.Core.Tests.Experiments;

/// <summary>Blind votes by people on a real PostgreSQL: one per person per pair, a change of mind, sides from the seed, bad input.</summary>
public sealed class HumanVoteTests : IAsyncLifetime
{
    private ChatTestHost host = null!;
    private ExperimentQueries queries = null!;
    private HumanVotes votes = null!;
    private ExperimentRow experiment = null!;

    public async Task InitializeAsync()
    {
        host = await ChatTestHost.CreateAsync(nameof(HumanVoteTests));
        var sets = new ConstitutionHub.Core.PromptSets.PromptSets(host.Store, host.DataSource);
        queries = new ExperimentQueries(host.DataSource);
        votes = new HumanVotes(host.Store, host.DataSource);
        var set = await sets.CreateAsync(ChatTestHost.Ada, "Questions", "",
            [new PromptItem("q1", [new PromptTurn("user", "One?")], []), new PromptItem("q2", [new PromptTurn("user", "Two?")], [])], Guid.NewGuid());
        var commands = new ExperimentCommands(host.Store, host.ConstitutionQueries, sets, queries);
        experiment = await commands.CreateAsync(ChatTestHost.Ada, new CreateExperiment("Votes", set.State.Id, null,
            [new Arm("A", "one", host.Constitution.Id, 1, Recipe.Default), new Arm("B", "two", host.Constitution.Id, 1, Recipe.Default)], 1), Guid.NewGuid());
        await commands.PauseAsync(ChatTestHost.Ada, experiment.Id, Guid.NewGuid());
        foreach (var arm in new[] { "A", "B" }) await RecordAsync(arm, "q1");
        await RecordAsync("A", "q2");
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    /// <summary>An output as the worker records it; q2 has only arm A's, so it cannot be voted on yet.</summary>
    private Task RecordAsync(string arm, string item) =>
        host.Store.AppendAsync(ExperimentStream.GenerationId(experiment.Id, arm, item, 0), ExpectedVersion.NoStream,
            [new NewEvent(Guid.NewGuid(), new GenerationRecorded(experiment.Id, arm, item, 0, 1, $"{arm} answers {item}", "m", "h", "stop", 3, 1, "n", 1))],
            new EventMetadata("system:test", "test", DateTimeOffset.UtcNow, Guid.NewGuid()));

    private static readonly PairKey Q1 = new("A", "B", "q1", 0);

    private async Task<long> EventsAsync(string voter)
    {
        await using var command = host.DataSource.CreateCommand("select count(*) from mt_events where type = 'human_vote_recorded' and data->>'voter' = @voter");
        command.Parameters.AddWithValue("voter", voter);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_vote_is_recorded_in_arm_terms_from_the_sides_the_voter_was_shown()
    {
        var next = await votes.NextAsync(experiment, "local:ada");
        Assert.NotNull(next);
        Assert.Equal(Q1, next.Pair);
        Assert.Equal(HumanVotes.LeftArm(experiment.Id, "local:ada", Q1), next.Left);
        Assert.Equal($"{next.Left} answers q1", next.LeftOutput);

        var row = await votes.VoteAsync(experiment, "local:ada", "Ada", Q1, HumanChoice.Right, " too vague ", null);
        Assert.Equal(next.Right, row.Verdict);
        Assert.Equal("too vague", row.Reason);
        Assert.Equal(new VoteProgress(1, 1), await votes.ProgressAsync(experiment, "local:ada"));
        Assert.Null(await votes.NextAsync(experiment, "local:ada"));
    }

    [Fact]
    public async Task The_sides_differ_between_voters_but_not_between_reloads()
    {
        var voters = Enumerable.Range(0, 40).Select(i => $"participant:{i}").ToList();
        var lefts = voters.Select(v => HumanVotes.LeftArm(experiment.Id, v, Q1)).ToList();
        Assert.Contains("A", lefts);
        Assert.Contains("B", lefts);
        Assert.Equal(lefts, voters.Select(v => HumanVotes.LeftArm(experiment.Id, v, Q1)));
    }

    [Fact]
    public async Task One_person_has_one_vote_per_pair_and_a_change_of_mind_is_a_second_event()
    {
        await votes.VoteAsync(experiment, "local:bea", "Bea", Q1, HumanChoice.Left, null, null);
        await votes.VoteAsync(experiment, "local:bea", "Bea", Q1, HumanChoice.Left, null, null);
        Assert.Equal(1, await EventsAsync("local:bea"));

        var changed = await votes.VoteAsync(experiment, "local:bea", "Bea", Q1, HumanChoice.Tie, null, null);
        Assert.Equal(2, await EventsAsync("local:bea"));
        Assert.Equal("tie", changed.Verdict);
        Assert.Equal(1, changed.Changes);
        await votes.VoteAsync(experiment, "local:ada", "Ada", Q1, HumanChoice.BothBad, null, null);

        var all = await votes.VotesAsync(experiment.Id);
        Assert.Equal(2, all.Count);
        Assert.Equal(["both_bad", "tie"], all.Select(v => v.Verdict).Order());
    }

    [Fact]
    public async Task Bad_votes_are_refused_with_their_reason_and_record_nothing()
    {
        async Task<string> Refused(PairKey pair, string? choice, string? reason = null) =>
            (await Assert.ThrowsAsync<ValidationException>(() => votes.VoteAsync(experiment, "local:ada", "Ada", pair, choice, reason, null))).Field;

        Assert.Equal("choice", await Refused(Q1, "A"));
        Assert.Equal("choice", await Refused(Q1, null));
        Assert.Equal("reason", await Refused(Q1, HumanChoice.Left, new string('x', HumanVotes.MaxReasonLength + 1)));
        Assert.Equal("pair", await Refused(Q1 with { ArmB = "C" }, HumanChoice.Left));
        Assert.Equal("pair", await Refused(new PairKey("B", "A", "q1", 0), HumanChoice.Left));
        Assert.Equal("pair", await Refused(Q1 with { Sample = 1 }, HumanChoice.Left));
        // Both arms' outputs are needed: q2 has arm A's only.
        Assert.Equal("pair", await Refused(Q1 with { ItemId = "q2" }, HumanChoice.Left));
        Assert.Equal(0, await EventsAsync("local:ada"));
        Assert.Empty(await votes.VotesAsync(experiment.Id));
    }

    [Fact]
    public async Task A_revoked_study_link_no_longer_resolves_and_only_the_owner_creates_one()
    {
        var links = new StudyLinks(host.Store, host.DataSource, queries);
        await Assert.ThrowsAsync<ForbiddenException>(() => links.CreateAsync(ChatTestHost.Bea, experiment.Id));
        var created = await links.CreateAsync(ChatTestHost.Ada, experiment.Id);
        Assert.Equal(43, created.Token.Length);
        Assert.Equal(experiment.Id, (await links.ResolveAsync(created.Token))?.ExperimentId);
        Assert.Null(await links.ResolveAsync(created.Token[..^1] + (created.Token[^1] == 'A' ? 'B' : 'A')));

        await Assert.ThrowsAsync<NotFoundException>(() => links.RevokeAsync(ChatTestHost.Bea, experiment.Id, created.Link.Id));
        // Named under another experiment, the link is not found: an address names one experiment's link.
        await Assert.ThrowsAsync<NotFoundException>(() => links.RevokeAsync(ChatTestHost.Ada, Guid.NewGuid(), created.Link.Id));
        Assert.NotNull(await links.ResolveAsync(created.Token));
        await links.RevokeAsync(ChatTestHost.Ada, experiment.Id, created.Link.Id);
        await links.RevokeAsync(ChatTestHost.Ada, experiment.Id, created.Link.Id);
        Assert.Null(await links.ResolveAsync(created.Token));
    }

    [Fact]
    public async Task The_next_pair_is_one_with_the_fewest_votes()
    {
        await RecordAsync("B", "q2");
        var q2 = Q1 with { ItemId = "q2" };
        await votes.VoteAsync(experiment, "local:ada", "Ada", Q1, HumanChoice.Left, null, null);
        // Whatever Bea's own order of pairs, q2 has no vote yet and q1 has one.
        Assert.Equal(q2, (await votes.NextAsync(experiment, "local:bea"))?.Pair);
        await votes.VoteAsync(experiment, "local:bea", "Bea", q2, HumanChoice.Left, null, null);
        Assert.Equal(Q1, (await votes.NextAsync(experiment, "local:bea"))?.Pair);
        Assert.Equal(new VoteProgress(1, 2), await votes.ProgressAsync(experiment, "local:bea"));
    }

    [Fact]
    public async Task A_study_link_past_its_expiry_no_longer_resolves()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var links = new StudyLinks(host.Store, host.DataSource, queries, clock);
        var created = await links.CreateAsync(ChatTestHost.Ada, experiment.Id, clock.GetUtcNow().AddHours(1));
        Assert.NotNull(await links.ResolveAsync(created.Token));
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Null(await links.ResolveAsync(created.Token));
        await Assert.ThrowsAsync<ValidationException>(() => links.CreateAsync(ChatTestHost.Ada, experiment.Id, clock.GetUtcNow()));
    }
}
