using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.PromptSets;
using ConstitutionHub.Core.Tests.Chats;

namespace ConstitutionHub.Core.Tests.Experiments;

/// <summary>Durable runs on a real PostgreSQL: several workers ("nodes") on one database, a node killed mid-run,
/// work done twice recorded once, pause, resume, cancel, failures with their reason and a retry.</summary>
public sealed class ExperimentRunTests : IAsyncLifetime
{
    private ChatTestHost host = null!;
    private ConstitutionHub.Core.PromptSets.PromptSets sets = null!;
    private ExperimentQueries queries = null!;
    private ExperimentCommands commands = null!;
    private WorkQueue queue = null!;

    public async Task InitializeAsync()
    {
        host = await ChatTestHost.CreateAsync(nameof(ExperimentRunTests));
        sets = new ConstitutionHub.Core.PromptSets.PromptSets(host.Store, host.DataSource);
        queries = new ExperimentQueries(host.DataSource);
        commands = new ExperimentCommands(host.Store, host.ConstitutionQueries, sets, queries);
        queue = new WorkQueue(host.DataSource);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    private ExperimentWorker Node(string name, ScriptedModels models, TimeSpan? lease = null, int concurrency = 2, TimeSpan? timeout = null,
        int maxAttempts = 3, bool judge = false) =>
        new(host.Store, queue, queries, sets, host.ConstitutionQueries, models,
            new ExperimentWorkerOptions
            {
                Node = name, Concurrency = concurrency, Lease = lease ?? TimeSpan.FromSeconds(30), Timeout = timeout ?? TimeSpan.FromSeconds(60),
                MaxAttempts = maxAttempts, Poll = TimeSpan.FromMilliseconds(50),
            },
            judge ? new ExperimentJudge(host.DataSource, host.ConstitutionQueries, models) : null);

    private async Task<ExperimentRow> ExperimentAsync(int items, int samples, JudgeSettings? judge = null, RubricSettings? rubric = null)
    {
        var agreeableness = await host.SectionIdAsync("Agreeableness");
        var set = await sets.CreateAsync(ChatTestHost.Ada, "Questions", "",
            Enumerable.Range(1, items).Select(i => new PromptItem($"q{i}", [new PromptTurn("user", $"Question {i}?")], [])).ToList(), Guid.NewGuid());
        Arm[] arms =
        [
            new("A", "default", host.Constitution.Id, 1, Recipe.Default),
            new("B", "lower", host.Constitution.Id, 1, new Recipe(new Dictionary<string, string> { [agreeableness] = "lower" })),
        ];
        return await commands.CreateAsync(ChatTestHost.Ada,
            new CreateExperiment("Agreeableness", set.State.Id, null, arms, samples,
                [new Factor(agreeableness, "Agreeableness", ["default", "lower"])], judge, rubric), Guid.NewGuid());
    }

    private async Task<long> RecordedAsync(Guid experimentId, string alias = "generation_recorded")
    {
        await using var command = host.DataSource.CreateCommand("select count(*) from mt_events where type = @type and data->>'experimentId' = @id");
        command.Parameters.AddWithValue("type", alias);
        command.Parameters.AddWithValue("id", experimentId.ToString());
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_killed_nodes_work_is_taken_over_and_every_generation_is_recorded_exactly_once()
    {
        var experiment = await ExperimentAsync(items: 6, samples: 2);
        var dying = new ScriptedModels();
        var hung = 0;
        var twoHung = new TaskCompletionSource();
        // Node A answers three generations, then hangs on the next ones as a node does that lost its machine.
        dying.Client.Script = async (m, o, ct) =>
        {
            if (dying.Client.Calls <= 3) return ScriptedClient.DefaultReply(m, o);
            if (Interlocked.Increment(ref hung) == 2) twoHung.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        };
        using var killA = new CancellationTokenSource();
        var nodeA = Node("node-a", dying, lease: TimeSpan.FromSeconds(1)).RunAsync(killA.Token);
        await twoHung.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, (await queries.ProgressAsync(experiment.Id)).Running);
        killA.Cancel(); // killed: nothing is released, its two leases simply stop being renewed
        await nodeA;

        var healthy = new ScriptedModels();
        using var stopB = new CancellationTokenSource();
        var nodeB = Node("node-b", healthy).RunAsync(stopB.Token);
        await Eventually.TrueAsync(async () => (await queries.ProgressAsync(experiment.Id)).Done == 24, "node B to finish the run", TimeSpan.FromSeconds(60));
        stopB.Cancel();
        await nodeB;

        var outputs = await queries.OutputsAsync(experiment.Id);
        Assert.Equal(24, outputs.Count);
        Assert.Equal(24, await RecordedAsync(experiment.Id));
        Assert.Equal(3, outputs.Count(o => o.Node == "node-a"));
        Assert.Equal(21, outputs.Count(o => o.Node == "node-b"));
        // The two generations node A held were retried by B: their second attempt.
        Assert.Equal(2, outputs.Count(o => o.Attempt == 2));
        Assert.All(outputs, o => Assert.Equal(ExperimentDesign.Seed(experiment.Id, o.ItemId, o.Sample), o.Seed));
    }

    [Fact]
    public async Task A_node_thought_dead_that_finishes_late_records_nothing_twice()
    {
        var experiment = await ExperimentAsync(items: 1, samples: 1);
        var slow = new ScriptedModels();
        var release = new TaskCompletionSource();
        var started = new TaskCompletionSource();
        slow.Client.Script = async (m, o, ct) =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(ct);
            return "late " + ScriptedClient.DefaultReply(m, o);
        };
        var nodeA = Node("node-a", slow, lease: TimeSpan.FromSeconds(1), concurrency: 1);
        // A's heartbeat is not running (StepAsync alone), so its lease runs out while it works.
        var stepA = nodeA.StepAsync(CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(60));

        var nodeB = Node("node-b", new ScriptedModels(), concurrency: 1);
        // Arm A's generation is the one node A holds; B takes it once the lease has run out (and does arm B's meanwhile).
        await Eventually.TrueAsync(async () =>
        {
            await nodeB.StepAsync(CancellationToken.None);
            return (await queries.OutputsAsync(experiment.Id)).Any(o => o.Arm == "A");
        }, "node B to take over the expired lease", TimeSpan.FromSeconds(60));
        release.SetResult();
        await stepA;

        var outputs = await queries.OutputsAsync(experiment.Id);
        Assert.Equal(2, outputs.Count);
        Assert.Equal(2, await RecordedAsync(experiment.Id));
        Assert.All(outputs, o => Assert.Equal("node-b", o.Node));
        Assert.DoesNotContain(outputs, o => o.Output.StartsWith("late ", StringComparison.Ordinal));
        Assert.Equal(2, (await queries.ProgressAsync(experiment.Id)).Done);
    }

    [Fact]
    public async Task A_paused_run_takes_no_new_work_resumes_where_it_stopped_and_cancel_drops_what_is_left()
    {
        var experiment = await ExperimentAsync(items: 3, samples: 1);
        var node = Node("node-a", new ScriptedModels(), concurrency: 1);
        Assert.True(await node.StepAsync(CancellationToken.None));

        await commands.PauseAsync(ChatTestHost.Ada, experiment.Id, Guid.NewGuid());
        Assert.False(await node.StepAsync(CancellationToken.None));
        Assert.Equal("paused", (await queries.ProgressAsync(experiment.Id)).Status);

        await commands.ResumeAsync(ChatTestHost.Ada, experiment.Id, Guid.NewGuid());
        Assert.True(await node.StepAsync(CancellationToken.None));
        await commands.CancelAsync(ChatTestHost.Ada, experiment.Id, Guid.NewGuid());
        Assert.False(await node.StepAsync(CancellationToken.None));

        var progress = await queries.ProgressAsync(experiment.Id);
        Assert.Equal(("cancelled", 2, 4, 0), (progress.Status, progress.Done, progress.Cancelled, progress.Pending));
        Assert.Equal(2, (await queries.OutputsAsync(experiment.Id)).Count);
        await commands.ResumeAsync(ChatTestHost.Ada, experiment.Id, Guid.NewGuid());
        Assert.Equal("cancelled", (await queries.ProgressAsync(experiment.Id)).Status);
    }

    [Fact]
    public async Task Only_the_owner_steers_an_experiment()
    {
        var experiment = await ExperimentAsync(items: 1, samples: 1);
        await Assert.ThrowsAsync<ForbiddenException>(() => commands.PauseAsync(ChatTestHost.Bea, experiment.Id, Guid.NewGuid()));
        Assert.Equal("running", (await queries.ProgressAsync(experiment.Id)).Status);
    }

    [Fact]
    public async Task A_failed_generation_shows_its_reason_and_is_retried_and_a_timed_out_one_fails_after_its_attempts_until_retried()
    {
        var experiment = await ExperimentAsync(items: 2, samples: 1);
        var models = new ScriptedModels();
        var failOnce = true;
        models.Client.Script = async (m, o, ct) =>
        {
            if (m[^1].Text == "Question 1?" && failOnce) { failOnce = false; throw new HttpRequestException("remote model answered 503"); }
            if (m[^1].Text == "Question 2?") await Task.Delay(Timeout.Infinite, ct);
            return ScriptedClient.DefaultReply(m, o);
        };
        var node = Node("node-a", models, concurrency: 1, timeout: TimeSpan.FromMilliseconds(200), maxAttempts: 2);
        while (await node.StepAsync(CancellationToken.None)) { }

        var failures = await queries.FailuresAsync(experiment.Id);
        // Question 2 hangs on both arms; question 1's one failure was retried and is no longer listed.
        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.Equal(("q2", "failed", 2), (f.ItemId, f.State, f.Attempts)));
        Assert.All(failures, f => Assert.Equal("No answer within 0.2 s. (attempt 2 on node-a)", f.Error));
        var progress = await queries.ProgressAsync(experiment.Id);
        Assert.Equal((2, 2), (progress.Done, progress.Failed));
        Assert.Equal(2, (await queries.OutputsAsync(experiment.Id)).Count(o => o.ItemId == "q1"));

        models.Client.Script = null;
        Assert.Equal(2, await commands.RetryFailedAsync(ChatTestHost.Ada, experiment.Id));
        while (await node.StepAsync(CancellationToken.None)) { }
        Assert.Equal(4, (await queries.ProgressAsync(experiment.Id)).Done);
        Assert.Empty(await queries.FailuresAsync(experiment.Id));
    }

    [Fact]
    public async Task Each_arm_generates_under_its_own_compiled_constitution()
    {
        var experiment = await ExperimentAsync(items: 1, samples: 1);
        var node = Node("node-a", new ScriptedModels(), concurrency: 1);
        while (await node.StepAsync(CancellationToken.None)) { }

        var outputs = await queries.OutputsAsync(experiment.Id);
        Assert.Equal(2, outputs.Select(o => o.PromptHash).Distinct().Count());
        Assert.Equal(2, outputs.Select(o => o.Output).Distinct().Count());
        Assert.Equal(outputs[0].Seed, outputs[1].Seed);
    }

    /// <summary>Arm B's outputs are recognisably B's; a fair judge prefers them wherever they are shown.</summary>
    private static ScriptedModels JudgingModels(string agreeableness, Func<string, string> judge)
    {
        var models = new ScriptedModels();
        models.Client.Script = (m, o, ct) =>
        {
            if (o?.AdditionalProperties?.TryGetValue(ScriptedModels.FixedChoiceKey, out var choices) == true)
            {
                Assert.Equal(ExperimentJudge.Choices, (string[])choices!);
                return Task.FromResult(judge(m[^1].Text));
            }
            if (m[^1].Text == ExperimentJudge.RationaleRequest) return Task.FromResult($"{agreeableness}: B - more direct\nnot-a-section: A - ignored");
            var style = m[0].Text.Contains("does not soften disagreement", StringComparison.Ordinal) ? "DIRECT" : "WARM";
            return Task.FromResult($"{style} answer to {m[^1].Text}");
        };
        return models;
    }

    private static string FairJudge(string prompt)
    {
        var a = prompt[prompt.IndexOf("Reply A:", StringComparison.Ordinal)..prompt.IndexOf("Reply B:", StringComparison.Ordinal)];
        return a.Contains("DIRECT", StringComparison.Ordinal) ? "A" : "B";
    }

    [Fact]
    public async Task A_fair_judge_is_asked_both_orders_and_its_verdicts_rank_the_arms_with_the_judge_recorded()
    {
        var experiment = await ExperimentAsync(items: 3, samples: 2, judge: new JudgeSettings(null, OnlyVariedSections: true));
        var agreeableness = await host.SectionIdAsync("Agreeableness");
        var node = Node("node-a", JudgingModels(agreeableness, FairJudge), concurrency: 1, judge: true);
        while (await node.StepAsync(CancellationToken.None)) { }

        var results = new ExperimentResults(host.DataSource, queries, new HumanVotes(host.Store, host.DataSource));
        var judgments = await results.JudgmentsAsync(experiment.Id);
        Assert.Equal(6, judgments.Count);
        Assert.All(judgments, j => Assert.Equal(("B", "B", "B"), (j.FirstOrder, j.SecondOrder, j.Verdict)));
        Assert.All(judgments, j => Assert.Equal(("scripted", "builtin", 1), (j.JudgeModel, j.Template, j.TemplateRevision)));
        Assert.All(judgments, j => Assert.Equal([(agreeableness, "B")], j.Sections.Select(s => (s.SectionId, s.Verdict))));
        Assert.Equal(0.5, ExperimentResults.Bias(judgments).FirstShare);
        var ratings = await results.JudgeRatingsAsync(experiment.Id);
        Assert.Equal("B", ratings.Leaderboard[0].Letter);
        Assert.Equal(1.0, ratings.Leaderboard[0].WinRate);
        Assert.True(ratings.Leaderboard[0].Rating.Lower > ratings.Leaderboard[1].Rating.Upper);
    }

    [Fact]
    public async Task A_judge_that_answers_off_format_is_retried_with_the_reason_and_nothing_is_lost()
    {
        var experiment = await ExperimentAsync(items: 1, samples: 1, judge: new JudgeSettings(null, OnlyVariedSections: false));
        var agreeableness = await host.SectionIdAsync("Agreeableness");
        var offFormat = true;
        var node = Node("node-a", JudgingModels(agreeableness, p => offFormat ? "Sure! Reply A is better." : FairJudge(p)), concurrency: 1,
            judge: true, maxAttempts: 1);
        while (await node.StepAsync(CancellationToken.None)) { }

        var failure = Assert.Single(await queries.FailuresAsync(experiment.Id));
        Assert.Equal(("judge", "failed"), (failure.Kind, failure.State));
        Assert.Contains("The judge answered 'Sure! Reply A is better.', not one of A, B, tie", failure.Error);
        Assert.Equal(2, (await queries.OutputsAsync(experiment.Id)).Count);

        offFormat = false;
        await commands.RetryFailedAsync(ChatTestHost.Ada, experiment.Id);
        while (await node.StepAsync(CancellationToken.None)) { }
        Assert.Equal("B", Assert.Single(await new ExperimentResults(host.DataSource, queries, new HumanVotes(host.Store, host.DataSource)).JudgmentsAsync(experiment.Id)).Verdict);
        Assert.Equal(2, await RecordedAsync(experiment.Id));
    }

    [Fact]
    public async Task A_bad_experiment_is_refused_with_a_reason_and_creates_nothing()
    {
        var set = await sets.CreateAsync(ChatTestHost.Ada, "One", "", [new PromptItem("q1", [new PromptTurn("user", "Hi")], [])], Guid.NewGuid());
        Arm[] arms = [new("A", "r1", host.Constitution.Id, 1, Recipe.Default), new("B", "r9", host.Constitution.Id, 9, Recipe.Default)];
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            commands.CreateAsync(ChatTestHost.Ada, new CreateExperiment("Bad", set.State.Id, null, arms, 1), Guid.NewGuid()));
        Assert.Contains("Arm B: revision 9 does not exist", error.Message);

        Arm[] unknownVariant = [arms[0], new("B", "x", host.Constitution.Id, 1, new Recipe(new Dictionary<string, string> { ["nope"] = "x" }))];
        error = await Assert.ThrowsAsync<ValidationException>(() =>
            commands.CreateAsync(ChatTestHost.Ada, new CreateExperiment("Bad", set.State.Id, null, unknownVariant, 1), Guid.NewGuid()));
        Assert.StartsWith("Arm B:", error.Message);
        await using var count = host.DataSource.CreateCommand("select count(*) from experiments");
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    /// <summary>A rubric judge that gives arm B's recognisable outputs 4 and arm A's 2, and critiques citing Agreeableness.</summary>
    private static ScriptedModels RubricModels(string agreeableness, Func<string, string>? score = null)
    {
        var models = new ScriptedModels();
        models.Client.Script = (m, o, ct) =>
        {
            var last = m[^1].Text;
            if (o?.AdditionalProperties?.TryGetValue(ScriptedModels.FixedChoiceKey, out var choices) == true)
            {
                Assert.Equal(ExperimentJudge.ScoreChoices, (string[])choices!);
                return Task.FromResult(score?.Invoke(last) ?? (last.Contains("Reply:\nDIRECT", StringComparison.Ordinal) ? "4" : "2"));
            }
            if (last == ExperimentJudge.ScoreReasonRequest) return Task.FromResult("It says plainly where it disagrees.\nA second line is dropped.");
            if (last == ExperimentJudge.RevisionRequest) return Task.FromResult("REVISED " + m[^2].Text.Length);
            if (last.Contains("Critique the reply", StringComparison.Ordinal))
                return Task.FromResult($"{agreeableness}: soften the disagreement less\nnot-a-section: ignored");
            var style = m[0].Text.Contains("does not soften disagreement", StringComparison.Ordinal) ? "DIRECT" : "WARM";
            return Task.FromResult($"{style} answer to {last}");
        };
        return models;
    }

    [Fact]
    public async Task A_rubric_scores_every_output_on_each_section_under_the_fixed_choice_with_the_judge_recorded()
    {
        var agreeableness = await host.SectionIdAsync("Agreeableness");
        var experiment = await ExperimentAsync(items: 2, samples: 2, rubric: new RubricSettings([new RubricSection(agreeableness, "")]));
        Assert.Equal("Agreeableness", Assert.Single(experiment.Definition.Rubric!.Sections).Heading);
        Assert.Equal(8, experiment.Definition.Cost.RubricScores);
        var node = Node("node-a", RubricModels(agreeableness), concurrency: 1, judge: true);
        while (await node.StepAsync(CancellationToken.None)) { }

        var results = new ExperimentResults(host.DataSource, queries, new HumanVotes(host.Store, host.DataSource));
        var scores = await results.ScoresAsync(experiment.Id);
        Assert.Equal(8, scores.Count);
        Assert.All(scores, s => Assert.Equal((agreeableness, "scripted", "builtin-rubric", 1), (s.SectionId, s.JudgeModel, s.Template, s.TemplateRevision)));
        Assert.All(scores, s => Assert.Equal("It says plainly where it disagrees.", s.Rationale));
        Assert.All(scores, s => Assert.Equal(s.Arm == "B" ? 4 : 2, s.Score));
        Assert.Equal(8, await RecordedAsync(experiment.Id, "rubric_score_recorded"));
        var progress = await queries.ProgressAsync(experiment.Id, WorkItem.Score);
        Assert.Equal((8, 8), (progress.Total, progress.Done));

        var rows = RubricResults.Summarize(experiment.Definition, scores);
        Assert.Equal([("A", 2.0, 4), ("B", 4.0, 4)], rows.Select(r => (r.Arm, r.Mean, r.Count)));
    }

    [Fact]
    public async Task An_off_format_score_is_retried_with_the_reason_and_each_score_is_recorded_once()
    {
        var agreeableness = await host.SectionIdAsync("Agreeableness");
        var experiment = await ExperimentAsync(items: 1, samples: 1, rubric: new RubricSettings([new RubricSection(agreeableness, "")]));
        var offFormat = true;
        var node = Node("node-a", RubricModels(agreeableness, _ => offFormat ? "four" : "3"), concurrency: 1, judge: true, maxAttempts: 1);
        while (await node.StepAsync(CancellationToken.None)) { }

        var failures = await queries.FailuresAsync(experiment.Id);
        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.Equal(("score", agreeableness, "failed"), (f.Kind, f.ArmB, f.State)));
        Assert.All(failures, f => Assert.Contains("The judge answered 'four', not one of 1, 2, 3, 4, 5", f.Error));

        offFormat = false;
        Assert.Equal(2, await commands.RetryFailedAsync(ChatTestHost.Ada, experiment.Id));
        while (await node.StepAsync(CancellationToken.None)) { }
        var results = new ExperimentResults(host.DataSource, queries, new HumanVotes(host.Store, host.DataSource));
        Assert.Equal([3, 3], (await results.ScoresAsync(experiment.Id)).Select(s => s.Score));

        // The same score finished again (a node thought dead, late) is not recorded a second time.
        var again = new ScoreRecorded(experiment.Id, "A", "q1", 0, agreeableness, 5, "late", "scripted", "builtin-rubric", 1, "node-z");
        Assert.False(await node.RecordOnceAsync(JudgeStream.ScoreId(experiment.Id, "A", "q1", 0, agreeableness), again, CancellationToken.None));
        Assert.Equal(2, await RecordedAsync(experiment.Id, "rubric_score_recorded"));
        Assert.Equal(3, (await results.ScoresAsync(experiment.Id)).Single(s => s.Arm == "A").Score);
    }

    [Fact]
    public async Task A_rubric_on_a_section_the_reference_revision_lacks_is_refused_and_creates_nothing()
    {
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            ExperimentAsync(items: 1, samples: 1, rubric: new RubricSettings([new RubricSection("no-such-section", "")])));
        Assert.Contains("has no section 'no-such-section'", error.Message);
        error = await Assert.ThrowsAsync<ValidationException>(() => ExperimentAsync(items: 1, samples: 1, rubric: new RubricSettings([])));
        Assert.Contains("at least one section", error.Message);
        await using var count = host.DataSource.CreateCommand("select count(*) from experiments");
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Critiques_asked_for_twice_are_made_once_cite_known_sections_and_export_with_their_provenance()
    {
        var agreeableness = await host.SectionIdAsync("Agreeableness");
        var experiment = await ExperimentAsync(items: 2, samples: 1);
        var node = Node("node-a", RubricModels(agreeableness), concurrency: 1, judge: true);
        while (await node.StepAsync(CancellationToken.None)) { }

        await Assert.ThrowsAsync<ForbiddenException>(() => commands.RequestCritiquesAsync(ChatTestHost.Bea, experiment.Id, null, null, Guid.NewGuid()));
        var unknown = await Assert.ThrowsAsync<ValidationException>(() => commands.RequestCritiquesAsync(ChatTestHost.Ada, experiment.Id, ["Z"], null, Guid.NewGuid()));
        Assert.Contains("no arm 'Z'", unknown.Message);
        Assert.Equal(2, await commands.RequestCritiquesAsync(ChatTestHost.Ada, experiment.Id, ["B"], null, Guid.NewGuid()));
        Assert.Equal(1, await commands.RequestCritiquesAsync(ChatTestHost.Ada, experiment.Id, ["B"], ["q1"], Guid.NewGuid()));
        Assert.Equal(2, (await queries.ProgressAsync(experiment.Id, WorkItem.Critique)).Pending);
        while (await node.StepAsync(CancellationToken.None)) { }

        var results = new ExperimentResults(host.DataSource, queries, new HumanVotes(host.Store, host.DataSource));
        var critiques = await results.CritiquesAsync(experiment.Id);
        Assert.Equal(2, critiques.Count);
        Assert.Equal(2, await RecordedAsync(experiment.Id, "critique_recorded"));
        Assert.All(critiques, c => Assert.Equal(("B", "scripted"), (c.Arm, c.JudgeModel)));
        Assert.All(critiques, c => Assert.Equal([agreeableness], c.CitedSections));
        Assert.All(critiques, c => Assert.StartsWith("REVISED ", c.Revision));

        var source = await results.TrainingSourceAsync(experiment.Id, sets, host.ConstitutionQueries);
        var lines = TrainingExports.CritiquesJsonl(source).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var first = System.Text.Json.JsonDocument.Parse(lines[0]);
        Assert.StartsWith("DIRECT answer to", first.RootElement.GetProperty("output").GetString());
        Assert.Equal("scripted / builtin-critique r1", first.RootElement.GetProperty("metadata").GetProperty("judge").GetString());
        Assert.Equal(source.Prompts["B"].Hash, first.RootElement.GetProperty("metadata").GetProperty("recipeHash").GetString());
    }

    /// <summary>A prompt document of Ada's (or, with <paramref name="visibility"/> private, of Bea's) holding <paramref name="markdown"/>.</summary>
    private async Task<Guid> PromptDocumentAsync(string slug, string markdown, Actor? owner = null, Visibility visibility = Visibility.Public) =>
        (await host.Constitutions.CreateAsync(owner ?? ChatTestHost.Ada, new CreateConstitution(slug, slug, "", visibility, markdown, "first"), Guid.NewGuid())).Id;

    [Fact]
    public async Task A_rubric_prompt_of_ones_own_scores_with_its_text_and_is_recorded_on_every_score()
    {
        var agreeableness = await host.SectionIdAsync("Agreeableness");
        var own = await PromptDocumentAsync("house-rubric", "# House rubric\n\nHOUSE RUBRIC. Score {{reply}} on {{heading}}, 1 to 5.\n");
        var lacking = await PromptDocumentAsync("no-heading", "# No heading\n\nScore {{reply}}.\n");
        var hidden = await PromptDocumentAsync("beas-rubric", "# Bea\n\n{{reply}} {{heading}}\n", ChatTestHost.Bea, Visibility.Private);
        foreach (var (document, revision, reason) in new (Guid?, int?, string)[]
        {
            (lacking, 1, "lacks {{heading}}"), (hidden, 1, "does not exist, or you cannot read it"), (Guid.NewGuid(), 1, "does not exist"),
            (own, 2, "has no revision 2"), (own, null, "needs both"),
        })
        {
            var error = await Assert.ThrowsAsync<ValidationException>(() => ExperimentAsync(items: 1, samples: 1,
                rubric: new RubricSettings([new RubricSection(agreeableness, "")], null, document, revision)));
            Assert.Equal("rubric", error.Field);
            Assert.Contains(reason, error.Message);
        }

        var experiment = await ExperimentAsync(items: 1, samples: 1, rubric: new RubricSettings([new RubricSection(agreeableness, "")], null, own, 1));
        // The scripted judge gives 5 only to a prompt that is the document's text, with the placeholders filled in.
        var node = Node("node-a", RubricModels(agreeableness, prompt =>
            prompt.Contains("HOUSE RUBRIC", StringComparison.Ordinal) && prompt.Contains("on Agreeableness", StringComparison.Ordinal)
            && !prompt.Contains("{{", StringComparison.Ordinal) ? "5" : "1"), concurrency: 1, judge: true);
        while (await node.StepAsync(CancellationToken.None)) { }

        var scores = await new ExperimentResults(host.DataSource, queries, new HumanVotes(host.Store, host.DataSource)).ScoresAsync(experiment.Id);
        Assert.Equal(2, scores.Count);
        Assert.All(scores, s => Assert.Equal((5, own.ToString("N"), 1), (s.Score, s.Template, s.TemplateRevision)));
    }

    [Fact]
    public async Task A_critique_prompt_of_ones_own_is_used_for_the_outputs_it_was_asked_for_and_the_first_request_stands()
    {
        var agreeableness = await host.SectionIdAsync("Agreeableness");
        var experiment = await ExperimentAsync(items: 2, samples: 1);
        var own = await PromptDocumentAsync("house-critic", "# House critic\n\nCritique the reply in the house style:\n\n{{reply}}\n");
        var lacking = await PromptDocumentAsync("no-reply", "# No reply\n\nCritique the reply.\n");
        var models = RubricModels(agreeableness);
        var prompts = new List<string>();
        var script = models.Client.Script;
        models.Client.Script = (m, o, ct) =>
        {
            lock (prompts) prompts.Add(m[0].Text);
            return script!(m, o, ct);
        };
        var node = Node("node-a", models, concurrency: 1, judge: true);
        while (await node.StepAsync(CancellationToken.None)) { }

        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            commands.RequestCritiquesAsync(ChatTestHost.Ada, experiment.Id, ["B"], null, Guid.NewGuid(), (lacking, 1)));
        Assert.Equal(("critique", true), (error.Field, error.Message.Contains("lacks {{reply}}", StringComparison.Ordinal)));
        Assert.Equal(0, (await queries.ProgressAsync(experiment.Id, WorkItem.Critique)).Total);

        Assert.Equal(1, await commands.RequestCritiquesAsync(ChatTestHost.Ada, experiment.Id, ["B"], ["q1"], Guid.NewGuid(), (own, 1)));
        // Asked for again with the built-in prompt: q1's critique keeps the first request's prompt, q2's is new.
        Assert.Equal(2, await commands.RequestCritiquesAsync(ChatTestHost.Ada, experiment.Id, ["B"], null, Guid.NewGuid()));
        prompts.Clear();
        while (await node.StepAsync(CancellationToken.None)) { }

        var critiques = await new ExperimentResults(host.DataSource, queries, new HumanVotes(host.Store, host.DataSource)).CritiquesAsync(experiment.Id);
        Assert.Equal([("q1", own.ToString("N"), 1), ("q2", ExperimentJudge.BuiltInCritiqueTemplate, 1)],
            critiques.OrderBy(c => c.ItemId, StringComparer.Ordinal).Select(c => (c.ItemId, c.Template, c.TemplateRevision)));
        Assert.All(critiques, c => Assert.Equal([agreeableness], c.CitedSections));
        Assert.Contains(prompts, p => p.StartsWith("# House critic", StringComparison.Ordinal) && p.Contains("DIRECT answer to", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_change_stamp_moves_with_every_recorded_result_and_steering_and_stays_put_otherwise()
    {
        var experiment = await ExperimentAsync(items: 1, samples: 1);
        var before = await queries.ChangeStampAsync(experiment.Id);
        Assert.NotEqual("", before);
        Assert.Equal(before, await queries.ChangeStampAsync(experiment.Id));
        Assert.Equal("", await queries.ChangeStampAsync(Guid.NewGuid()));

        var node = Node("node-a", RubricModels(await host.SectionIdAsync("Agreeableness")), concurrency: 1, judge: true);
        Assert.True(await node.StepAsync(CancellationToken.None));
        var afterOne = await queries.ChangeStampAsync(experiment.Id);
        Assert.NotEqual(before, afterOne);
        while (await node.StepAsync(CancellationToken.None)) { }
        var done = await queries.ChangeStampAsync(experiment.Id);
        Assert.NotEqual(afterOne, done);
        Assert.Equal(done, await queries.ChangeStampAsync(experiment.Id));

        Assert.Equal(2, await commands.RequestCritiquesAsync(ChatTestHost.Ada, experiment.Id, null, null, Guid.NewGuid()));
        Assert.NotEqual(done, await queries.ChangeStampAsync(experiment.Id));
    }

    [Fact]
    public async Task A_run_view_reading_only_changes_sees_an_output_committed_late_by_a_transaction_older_than_its_last_read()
    {
        var experiment = await ExperimentAsync(items: 2, samples: 1);
        var view = new RunView(queries, experiment.Id);
        await view.RefreshAsync();
        Assert.Empty(view.Outputs);

        // A writer begins (its transaction id is taken by its insert) and is slow to commit; a later one commits first.
        await using var slow = await host.DataSource.OpenConnectionAsync();
        await using var slowTransaction = await slow.BeginTransactionAsync();
        await InsertOutputAsync(slow, experiment.Id, "A", "q1");
        await using (var fast = await host.DataSource.OpenConnectionAsync()) await InsertOutputAsync(fast, experiment.Id, "B", "q1");
        await view.RefreshAsync();
        Assert.Equal(["B"], view.Outputs.Select(o => o.Arm));

        await slowTransaction.CommitAsync();
        // The late row was written before the row already seen: "newer than the newest seen" would never read it.
        Assert.True(await XactAsync(experiment.Id, "A") < await XactAsync(experiment.Id, "B"));
        await view.RefreshAsync();
        Assert.Equal(["A", "B"], view.Outputs.Select(o => o.Arm));
        Assert.Equal((await queries.OutputsAsync(experiment.Id)).Select(o => (o.Arm, o.ItemId, o.Output)),
            view.Outputs.Select(o => (o.Arm, o.ItemId, o.Output)));
    }

    [Fact]
    public async Task A_run_view_reading_only_changes_holds_what_a_full_read_holds_after_every_step_of_a_run_with_failures_and_a_retry()
    {
        var experiment = await ExperimentAsync(items: 3, samples: 1);
        var models = new ScriptedModels();
        models.Client.Script = (m, o, ct) => m[^1].Text == "Question 2?"
            ? throw new HttpRequestException("remote model answered 503")
            : Task.FromResult(ScriptedClient.DefaultReply(m, o));
        var node = Node("node-a", models, concurrency: 1, maxAttempts: 2);
        var view = new RunView(queries, experiment.Id);
        await view.RefreshAsync();

        async Task<bool> StepAndCompareAsync()
        {
            var worked = await node.StepAsync(CancellationToken.None);
            await view.RefreshAsync();
            Assert.Equal(await queries.FailuresAsync(experiment.Id), view.Failures);
            Assert.Equal(await queries.OutputsAsync(experiment.Id), view.Outputs);
            return worked;
        }

        while (await StepAndCompareAsync()) { }
        Assert.Equal(2, view.Failures.Count);
        Assert.Equal(4, view.Outputs.Count);

        models.Client.Script = null;
        Assert.Equal(2, await commands.RetryFailedAsync(ChatTestHost.Ada, experiment.Id));
        await view.RefreshAsync();
        Assert.All(view.Failures, f => Assert.Equal("pending", f.State));
        while (await StepAndCompareAsync()) { }
        Assert.Empty(view.Failures);
        Assert.Equal(6, view.Outputs.Count);
    }

    [Fact]
    public async Task A_database_from_before_the_transaction_ids_gets_them_on_its_rows_and_then_has_nothing_left_to_change()
    {
        var experiment = await ExperimentAsync(items: 1, samples: 1);
        await using (var drop = host.DataSource.CreateCommand("alter table experiment_outputs drop column xact; alter table experiment_work drop column xact"))
            await drop.ExecuteNonQueryAsync();

        await host.Test.Store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using (var count = host.DataSource.CreateCommand("select count(*) from experiment_work where experiment_id = @e and xact is not null"))
        {
            count.Parameters.AddWithValue("e", experiment.Id);
            Assert.Equal(2L, await count.ExecuteScalarAsync());
        }
        var view = new RunView(queries, experiment.Id);
        await view.RefreshAsync();
        await view.RefreshAsync();
        Assert.Empty(view.Failures);
        Assert.Equal(Weasel.Core.SchemaPatchDifference.None, (await host.Test.Store.Storage.Database.CreateMigrationAsync()).Difference);
    }

    private static async Task InsertOutputAsync(Npgsql.NpgsqlConnection connection, Guid experimentId, string arm, string itemId)
    {
        await using var command = new Npgsql.NpgsqlCommand("""
            insert into experiment_outputs (experiment_id, arm, item_id, sample, seed, output, model, prompt_hash, milliseconds, node, attempt, created)
            values (@e, @a, @i, 0, 1, @o, 'scripted', 'hash', 1, 'node-a', 1, now())
            """, connection);
        command.Parameters.AddWithValue("e", experimentId);
        command.Parameters.AddWithValue("a", arm);
        command.Parameters.AddWithValue("i", itemId);
        command.Parameters.AddWithValue("o", $"{arm} on {itemId}");
        await command.ExecuteNonQueryAsync();
    }

    private async Task<ulong> XactAsync(Guid experimentId, string arm)
    {
        await using var command = host.DataSource.CreateCommand("select xact::text from experiment_outputs where experiment_id = @e and arm = @a");
        command.Parameters.AddWithValue("e", experimentId);
        command.Parameters.AddWithValue("a", arm);
        return ulong.Parse((string)(await command.ExecuteScalarAsync())!);
    }
}
