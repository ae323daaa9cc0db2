using System.Security.Cryptography;
using System.Text;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Streams;
using Npgsql;

namespace ConstitutionHub.Core.Experiments;

/// <summary>What a voter can press, as shown: the left output, the right one, a tie, or both bad.</summary>
public static class HumanChoice
{
    public const string Left = "left";
    public const string Right = "right";
    public const string Tie = "tie";
    public const string BothBad = "both_bad";

    public static readonly IReadOnlyList<string> All = [Left, Right, Tie, BothBad];
}

/// <summary>A pair as one voter sees it: the arms stay on the server side of the page, the voter sees sides only.</summary>
public sealed record BlindPair(PairKey Pair, string Left, string Right, string LeftOutput, string RightOutput);

public sealed record VoteProgress(int Voted, int Total);

public sealed record HumanVoteRow(string Voter, PairKey Pair, string Left, string Choice, string Verdict, string? Reason, int Changes,
    DateTimeOffset Updated);

/// <summary>
/// Blind votes by people. Every vote is checked here (the choice, the reason's size, a pair that exists with both
/// outputs), the sides are the server's (from a seed, never from the client), and each voter's vote on a pair is its
/// own stream, so there is one vote per person per pair however many windows they vote from.
/// </summary>
public sealed class HumanVotes(EventStreams streams, NpgsqlDataSource dataSource, TimeProvider? clock = null)
{
    public const int MaxReasonLength = 500;
    public const int MaxVoterLength = 200;

    private readonly TimeProvider time = clock ?? TimeProvider.System;

    /// <summary>
    /// The arm shown on the left to <paramref name="voter"/>: random across voters and pairs, the same on every reload
    /// (a hash of experiment, voter and pair), so neither the arm order nor a reload tells which arm is which.
    /// </summary>
    public static string LeftArm(Guid experimentId, string voter, PairKey pair) =>
        Seed(experimentId, voter, pair) % 2 == 0 ? pair.ArmA : pair.ArmB;

    /// <summary>Every pair of arms (in the order the arms were defined, as the judge pairs them), item and sample.</summary>
    public static IEnumerable<PairKey> Pairs(ExperimentCreated definition)
    {
        var arms = definition.Arms.Select(a => a.Letter).ToList();
        for (var i = 0; i < arms.Count; i++)
            for (var j = i + 1; j < arms.Count; j++)
                foreach (var item in definition.ItemIds)
                    for (var s = 0; s < definition.Samples; s++)
                        yield return new PairKey(arms[i], arms[j], item, s);
    }

    /// <summary>The pairs whose two outputs are recorded: what people can vote on so far.</summary>
    public async Task<IReadOnlyList<PairKey>> VotablePairsAsync(ExperimentRow experiment, CancellationToken ct = default)
    {
        var recorded = new HashSet<(string, string, int)>();
        await using (var command = dataSource.CreateCommand("select arm, item_id, sample from experiment_outputs where experiment_id = @id"))
        {
            command.Parameters.AddWithValue("id", experiment.Id);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) recorded.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
        }
        return Pairs(experiment.Definition)
            .Where(p => recorded.Contains((p.ArmA, p.ItemId, p.Sample)) && recorded.Contains((p.ArmB, p.ItemId, p.Sample))).ToList();
    }

    /// <summary>
    /// The next pair for <paramref name="voter"/>: one they have not voted on, among those with the fewest votes (so
    /// votes spread over the pairs), in an order of the voter's own; null when they have voted on every pair.
    /// </summary>
    public async Task<BlindPair?> NextAsync(ExperimentRow experiment, string voter, CancellationToken ct = default)
    {
        var votes = await VotesAsync(experiment.Id, ct);
        var mine = votes.Where(v => v.Voter == voter).Select(v => v.Pair).ToHashSet();
        var counts = votes.GroupBy(v => v.Pair).ToDictionary(g => g.Key, g => g.Count());
        var next = (await VotablePairsAsync(experiment, ct)).Where(p => !mine.Contains(p))
            .OrderBy(p => counts.GetValueOrDefault(p)).ThenBy(p => Seed(experiment.Id, voter, p)).Cast<PairKey?>().FirstOrDefault();
        return next is { } pair ? await BlindAsync(experiment, voter, pair, ct) : null;
    }

    public async Task<VoteProgress> ProgressAsync(ExperimentRow experiment, string voter, CancellationToken ct = default)
    {
        var votable = (await VotablePairsAsync(experiment, ct)).ToHashSet();
        var voted = (await VotesAsync(experiment.Id, ct)).Count(v => v.Voter == voter && votable.Contains(v.Pair));
        return new VoteProgress(voted, votable.Count);
    }

    /// <summary>
    /// Records <paramref name="voter"/>'s vote on <paramref name="pair"/>, or their change of mind; voting the same
    /// again records nothing. <paramref name="choice"/> is one of <see cref="HumanChoice.All"/>, as shown.
    /// </summary>
    public async Task<HumanVoteRow> VoteAsync(ExperimentRow experiment, string voter, string voterName, PairKey pair, string? choice, string? reason,
        Guid? studyLinkId, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(voter) || voter.Length > MaxVoterLength) throw new ValidationException("voter", "Unknown voter.");
        if (choice is null || !HumanChoice.All.Contains(choice))
            throw new ValidationException("choice", "Choose left, right, tie or both_bad.");
        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (reason?.Length > MaxReasonLength) throw new ValidationException("reason", $"A reason is at most {MaxReasonLength} characters.");
        if (!Pairs(experiment.Definition).Contains(pair)) throw new ValidationException("pair", "The experiment has no such pair of arms, item or sample.");
        if (!(await VotablePairsAsync(experiment, ct)).Contains(pair))
            throw new ValidationException("pair", "The outputs of this pair are not generated yet.");

        var left = LeftArm(experiment.Id, voter, pair);
        var right = left == pair.ArmA ? pair.ArmB : pair.ArmA;
        var verdict = choice switch { HumanChoice.Left => left, HumanChoice.Right => right, _ => choice };
        var stream = HumanVoteStream.Id(experiment.Id, voter, pair);
        var version = await streams.VersionAsync(stream, ct);
        var current = version == 0 ? null : await VoteOfAsync(experiment.Id, voter, pair, ct);
        if (current is not null && current.Verdict == verdict && current.Reason == reason) return current;
        try
        {
            await streams.AppendAsync(stream, version,
                [new NewEvent(Guid.NewGuid(), new HumanVoteRecorded(experiment.Id, voter, pair.ArmA, pair.ArmB, pair.ItemId, pair.Sample, left, choice, verdict,
                    reason, studyLinkId))],
                new EventMetadata(voter, voterName, time.GetUtcNow(), Guid.NewGuid()), ct);
        }
        catch (WrongExpectedVersionException)
        {
            throw new ValidationException("pair", "You voted on this pair from another window at the same moment; reload to see your vote.");
        }
        return (await VoteOfAsync(experiment.Id, voter, pair, ct))!;
    }

    /// <summary>Every person's current vote on the experiment's pairs.</summary>
    public Task<IReadOnlyList<HumanVoteRow>> VotesAsync(Guid experimentId, CancellationToken ct = default) =>
        ReadVotesAsync("experiment_id = @id", experimentId, null, null, ct);

    /// <summary>
    /// The votes as they stood at <paramref name="at"/> (a share link's snapshot): votes cast by then, each as it was
    /// then. The table holds only a vote's latest choice, so a vote changed since is read back from its own stream;
    /// changes after a snapshot are few, so this costs a stream read for each of them only.
    /// </summary>
    public async Task<IReadOnlyList<HumanVoteRow>> VotesAsOfAsync(Guid experimentId, DateTimeOffset at, CancellationToken ct = default)
    {
        var rows = new List<HumanVoteRow>();
        foreach (var vote in await VotesAsync(experimentId, ct))
        {
            if (vote.Updated <= at) { rows.Add(vote); continue; }
            var events = await streams.ReadStreamAsync(HumanVoteStream.Id(experimentId, vote.Voter, vote.Pair), ct: ct);
            var then = events.Where(e => e.Metadata.Time <= at).ToList();
            if (then.Count == 0 || then[^1].Data is not HumanVoteRecorded x) continue;
            rows.Add(vote with { Left = x.Left, Choice = x.Choice, Verdict = x.Verdict, Reason = x.Reason, Changes = then.Count - 1, Updated = then[^1].Metadata.Time });
        }
        return rows;
    }

    private async Task<HumanVoteRow?> VoteOfAsync(Guid experimentId, string voter, PairKey pair, CancellationToken ct) =>
        (await ReadVotesAsync("experiment_id = @id and voter = @voter and arm_a = @a and arm_b = @b and item_id = @item and sample = @sample",
            experimentId, voter, pair, ct)).SingleOrDefault();

    private async Task<IReadOnlyList<HumanVoteRow>> ReadVotesAsync(string where, Guid experimentId, string? voter, PairKey? pair, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            select voter, arm_a, arm_b, item_id, sample, left_arm, choice, verdict, reason, changes, updated from experiment_votes
            where {where} order by item_id, sample, arm_a, arm_b, voter
            """);
        command.Parameters.AddWithValue("id", experimentId);
        if (voter is not null) command.Parameters.AddWithValue("voter", voter);
        if (pair is { } p)
        {
            command.Parameters.AddWithValue("a", p.ArmA);
            command.Parameters.AddWithValue("b", p.ArmB);
            command.Parameters.AddWithValue("item", p.ItemId);
            command.Parameters.AddWithValue("sample", p.Sample);
        }
        var rows = new List<HumanVoteRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new HumanVoteRow(reader.GetString(0), new PairKey(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4)),
                reader.GetString(5), reader.GetString(6), reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetInt32(9),
                reader.GetFieldValue<DateTimeOffset>(10)));
        return rows;
    }

    private async Task<BlindPair> BlindAsync(ExperimentRow experiment, string voter, PairKey pair, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "select arm, output from experiment_outputs where experiment_id = @id and item_id = @item and sample = @sample and arm in (@a, @b)");
        command.Parameters.AddWithValue("id", experiment.Id);
        command.Parameters.AddWithValue("item", pair.ItemId);
        command.Parameters.AddWithValue("sample", pair.Sample);
        command.Parameters.AddWithValue("a", pair.ArmA);
        command.Parameters.AddWithValue("b", pair.ArmB);
        var outputs = new Dictionary<string, string>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) outputs[reader.GetString(0)] = reader.GetString(1);
        var left = LeftArm(experiment.Id, voter, pair);
        var right = left == pair.ArmA ? pair.ArmB : pair.ArmA;
        return new BlindPair(pair, left, right, outputs[left], outputs[right]);
    }

    private static ulong Seed(Guid experimentId, string voter, PairKey pair) =>
        BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes($"{experimentId:N}/{voter}/{pair.ArmA}|{pair.ArmB}/{pair.Sample}/{pair.ItemId}")));
}
