using System.Text.Json;
using ConstitutionHub.Core.Streams;
using Npgsql;

namespace ConstitutionHub.Core.Experiments;

public sealed record JudgmentRow(string ArmA, string ArmB, string ItemId, int Sample, string FirstOrder, string SecondOrder, string Verdict,
    string Rationale, IReadOnlyList<SectionVerdict> Sections, string JudgeModel, string Template, int TemplateRevision);

/// <summary>
/// How often the judge picked the output shown first, among its decisive single-order verdicts (0.5: no bias), and
/// how many pairs its two orders disagreed on (recorded as ties).
/// </summary>
public sealed record PositionBias(int Decisive, int PickedFirst, int Disagreements, int Pairs)
{
    public double FirstShare => Decisive == 0 ? double.NaN : (double)PickedFirst / Decisive;
}

public sealed record LeaderboardRow(string Letter, string Label, ArmRating Rating, double WinRate, int Comparisons);

/// <summary>Ratings from one source of votes (the judge, or people), with what they were computed from.</summary>
public sealed record Ratings(string Source, IReadOnlyList<LeaderboardRow> Leaderboard, IReadOnlyList<string> Letters, double[,] WinRates, int Votes,
    IReadOnlyList<SectionEffect> Effects);

/// <summary>The judge's verdicts and people's votes turned into what people read: leaderboards with intervals, win rates, position bias, agreement, effects.</summary>
public sealed class ExperimentResults(NpgsqlDataSource dataSource, ExperimentQueries experiments, HumanVotes humanVotes)
{
    /// <param name="upTo">Only verdicts recorded by then (a share link's snapshot); null: all of them.</param>
    public async Task<IReadOnlyList<JudgmentRow>> JudgmentsAsync(Guid experimentId, CancellationToken ct = default, DateTimeOffset? upTo = null)
    {
        await using var command = dataSource.CreateCommand("""
            select arm_a, arm_b, item_id, sample, first_order, second_order, verdict, rationale, sections::text, judge_model, template, template_revision
            from experiment_judgments where experiment_id = @id and (@upTo::timestamptz is null or created <= @upTo)
            order by item_id, sample, arm_a, arm_b
            """);
        command.Parameters.AddWithValue("id", experimentId);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("upTo", upTo) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        var rows = new List<JudgmentRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new JudgmentRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetString(4),
                reader.GetString(5), reader.GetString(6), reader.GetString(7),
                JsonSerializer.Deserialize<List<SectionVerdict>>(reader.GetString(8), HubJson.Options) ?? [], reader.GetString(9), reader.GetString(10),
                reader.GetInt32(11)));
        return rows;
    }

    public async Task<IReadOnlyList<ScoreRow>> ScoresAsync(Guid experimentId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            select arm, item_id, sample, section_id, score, rationale, judge_model, template, template_revision
            from experiment_scores where experiment_id = @id order by item_id, sample, arm, section_id
            """);
        command.Parameters.AddWithValue("id", experimentId);
        var rows = new List<ScoreRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new ScoreRow(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3), reader.GetInt32(4),
                reader.GetString(5), reader.GetString(6), reader.GetString(7), reader.GetInt32(8)));
        return rows;
    }

    public async Task<IReadOnlyList<CritiqueRow>> CritiquesAsync(Guid experimentId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            select arm, item_id, sample, critique, cited_sections::text, revision, judge_model, template, template_revision
            from experiment_critiques where experiment_id = @id order by item_id, sample, arm
            """);
        command.Parameters.AddWithValue("id", experimentId);
        var rows = new List<CritiqueRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new CritiqueRow(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
                JsonSerializer.Deserialize<List<string>>(reader.GetString(4), HubJson.Options) ?? [], reader.GetString(5), reader.GetString(6),
                reader.GetString(7), reader.GetInt32(8)));
        return rows;
    }

    /// <summary>Everything a training export reads, for one experiment.</summary>
    public async Task<TrainingSource> TrainingSourceAsync(Guid experimentId, PromptSets.PromptSets promptSets, Documents.ConstitutionQueries constitutions,
        CancellationToken ct = default)
    {
        var experiment = await experiments.ExperimentAsync(experimentId, ct) ?? throw new Documents.NotFoundException("No such experiment.");
        var definition = experiment.Definition;
        var set = await promptSets.ReadAsync(definition.PromptSetId, definition.PromptSetVersion, ct)
            ?? throw new InvalidOperationException("The experiment's prompt set version is gone.");
        var prompts = new Dictionary<string, Documents.Text.CompiledPrompt>();
        foreach (var arm in definition.Arms)
        {
            var revision = await constitutions.RevisionAsync(arm.ConstitutionId, arm.Revision, ct)
                ?? throw new InvalidOperationException($"Arm {arm.Letter}: the revision is gone.");
            prompts[arm.Letter] = Documents.Text.PromptCompiler.Compile(revision.Markdown, revision.Sections, arm.Recipe);
        }
        return new TrainingSource(definition, set.State.Items.ToDictionary(i => i.Id), prompts, await experiments.OutputsAsync(experimentId, ct),
            await JudgmentsAsync(experimentId, ct), await humanVotes.VotesAsync(experimentId, ct), await ScoresAsync(experimentId, ct),
            await CritiquesAsync(experimentId, ct));
    }

    public static PositionBias Bias(IReadOnlyList<JudgmentRow> judgments)
    {
        int decisive = 0, first = 0;
        foreach (var j in judgments)
        {
            // In the first order ArmA was shown first; in the second, ArmB.
            if (j.FirstOrder != "tie") { decisive++; if (j.FirstOrder == j.ArmA) first++; }
            if (j.SecondOrder != "tie") { decisive++; if (j.SecondOrder == j.ArmB) first++; }
        }
        return new PositionBias(decisive, first, judgments.Count(j => j.FirstOrder != j.SecondOrder), judgments.Count);
    }

    public async Task<Ratings> JudgeRatingsAsync(Guid experimentId, int bootstrapSamples = 200, CancellationToken ct = default)
    {
        var experiment = await experiments.ExperimentAsync(experimentId, ct) ?? throw new Documents.NotFoundException("No such experiment.");
        var judgments = await JudgmentsAsync(experimentId, ct);
        return Rate("judge", experiment.Definition, judgments.Select(j => (j.ArmA, j.ArmB, j.Verdict)).ToList(), bootstrapSamples);
    }

    public async Task<HumanResults> HumanResultsAsync(Guid experimentId, int bootstrapSamples = 200, CancellationToken ct = default)
    {
        var experiment = await experiments.ExperimentAsync(experimentId, ct) ?? throw new Documents.NotFoundException("No such experiment.");
        return People(experiment.Definition, await humanVotes.VotesAsync(experimentId, ct), await JudgmentsAsync(experimentId, ct), bootstrapSamples);
    }

    /// <summary>
    /// Bradley–Terry from people's votes, each vote one comparison (ties half a win each, "both bad" left out and
    /// counted), beside the judge's agreement with them and theirs with each other.
    /// </summary>
    public static HumanResults People(ExperimentCreated definition, IReadOnlyList<HumanVoteRow> votes, IReadOnlyList<JudgmentRow> judgments,
        int bootstrapSamples = 200)
    {
        var counted = votes.Where(v => v.Verdict != HumanChoice.BothBad).Select(v => (v.Pair.ArmA, v.Pair.ArmB, v.Verdict)).ToList();
        return new HumanResults(Rate("human", definition, counted, bootstrapSamples), votes.Count - counted.Count,
            HumanAgreement.JudgeVersusPeople(judgments, votes), HumanAgreement.BetweenPeople(votes));
    }

    /// <summary>Bradley–Terry over <paramref name="verdicts"/> (winner letter or "tie"), and per-section effects for a factorial design.</summary>
    public static Ratings Rate(string source, ExperimentCreated definition, IReadOnlyList<(string ArmA, string ArmB, string Verdict)> verdicts,
        int bootstrapSamples = 200)
    {
        var letters = definition.Arms.Select(a => a.Letter).ToList();
        var index = letters.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i);
        var votes = verdicts.Select(v => new Vote(index[v.ArmA], index[v.ArmB],
            v.Verdict == v.ArmA ? Outcome.FirstWins : v.Verdict == v.ArmB ? Outcome.SecondWins : Outcome.Tie)).ToList();
        var fit = BradleyTerry.Fit(letters.Count, votes, bootstrapSamples);
        var leaderboard = fit.Ratings.OrderByDescending(r => r.Strength).Select(r =>
        {
            var mine = votes.Where(v => v.First == r.Arm || v.Second == r.Arm).ToList();
            var score = mine.Sum(v => v.Outcome == Outcome.Tie ? 0.5 : (v.Outcome == Outcome.FirstWins) == (v.First == r.Arm) ? 1 : 0);
            return new LeaderboardRow(letters[r.Arm], definition.Arms[r.Arm].Label, r, mine.Count == 0 ? double.NaN : score / mine.Count, mine.Count);
        }).ToList();
        IReadOnlyList<SectionEffect> effects = [];
        if (definition.Factors.Count > 0 && votes.Count > 0 && definition.Arms.All(a => a.Levels is not null))
        {
            try { effects = SectionEffects.Estimate(definition.Arms, definition.Factors, votes); }
            catch (InvalidOperationException) { /* too few votes yet to identify every effect: shown once they are */ }
        }
        return new Ratings(source, leaderboard, letters, fit.WinRates, votes.Count, effects);
    }
}
