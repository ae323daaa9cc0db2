using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.PromptSets;
using ConstitutionHub.Core.Streams;
using Npgsql;

namespace ConstitutionHub.Core.Sharing;

/// <summary>What a valid experiment share token opens. <see cref="SnapshotAt"/> is null for a live link.</summary>
public sealed record ResolvedExperimentShare(Guid ShareId, Guid ExperimentId, ShareMode Mode, DateTimeOffset? SnapshotAt, bool ShowPrompts,
    DateTimeOffset? Expires);

/// <summary>
/// One arm as the public page shows it: its letter and label always; its constitution's slug and revision only when
/// that constitution is public or the link says to show prompts (<see cref="Constitution"/> null otherwise);
/// its compiled system prompt only when the link says so. <see cref="Readable"/>: the constitution opens without an
/// account, so the page may link to it.
/// </summary>
public sealed record SharedArm(Arm Arm, string? Constitution, bool Readable, string? Prompt);

/// <summary>
/// An experiment opened through a share link: its results as they stood at the snapshot (or now, for a live link),
/// and one page of items with their outputs side by side.
/// </summary>
public sealed record SharedExperiment(ResolvedExperimentShare Share, ExperimentRow Experiment, string PromptSetName, int ItemCount,
    IReadOnlyList<SharedArm> Arms, Ratings? Judge, PositionBias? Bias, HumanResults? People, int OutputCount,
    IReadOnlyList<PromptItem> Items, IReadOnlyList<OutputRow> Outputs, IReadOnlyList<JudgmentRow> Judgments, int Page, int Pages);

/// <summary>
/// Public links to an experiment's results. They are share links (<see cref="ShareLinks"/>): the same stream per link,
/// table, 256-bit token of which only the hash is kept, listing and revocation; only what they open differs.
/// Who may share: the experiment's owner, or a maintainer of every constitution its arms run; either must still read
/// them all. A reader of the constitutions may look at the run but not publish it.
/// </summary>
public sealed class ExperimentShareLinks(EventStreams streams, NpgsqlDataSource dataSource, ShareLinks links, ExperimentQueries experiments,
    ExperimentResults results, HumanVotes votes, ConstitutionQueries constitutions, PromptSets.PromptSets promptSets, TimeProvider? clock = null)
{
    /// <summary>Items per page of outputs on the public page.</summary>
    public const int ItemsPerPage = 10;

    private readonly TimeProvider time = clock ?? TimeProvider.System;

    /// <summary>Whether <paramref name="actor"/> may share <paramref name="experiment"/> (see the class summary).</summary>
    public async Task<bool> MayShareAsync(Actor? actor, ExperimentRow experiment, CancellationToken ct = default)
    {
        if (actor is null) return false;
        var manager = true;
        foreach (var constitution in await ConstitutionsAsync(experiment, ct))
        {
            if (constitution is null || !DocumentAccess.CanRead(constitution, actor)) return false;
            manager &= DocumentAccess.CanManage(constitution, actor);
        }
        return experiment.OwnerId == actor.Id || manager;
    }

    public async Task<CreatedShare> CreateAsync(Actor actor, Guid experimentId, ShareMode mode, DateTimeOffset? expires = null, bool showPrompts = false,
        CancellationToken ct = default)
    {
        var experiment = await experiments.ExperimentAsync(experimentId, ct) ?? throw new NotFoundException("No such experiment.");
        if (!await MayShareAsync(actor, experiment, ct))
        {
            // Someone who cannot read the constitutions learns nothing of the experiment; a reader is told why not.
            if ((await ConstitutionsAsync(experiment, ct)).Any(c => c is null || !DocumentAccess.CanRead(c, actor)))
                throw new NotFoundException("No such experiment.");
            throw new ForbiddenException("Only the person who started this experiment, or a maintainer of its constitutions, can share it.");
        }
        var now = time.GetUtcNow();
        ShareLinks.CheckExpiry(expires, now);

        var token = ShareLinks.NewToken();
        var shareId = Guid.CreateVersion7(now);
        var created = new ExperimentShareLinkCreated(shareId, ShareLinks.Hash(token), experimentId, mode, mode == ShareMode.Snapshot ? now : null,
            showPrompts, expires);
        await streams.AppendAsync(ShareLinkStream.Id(shareId), ExpectedVersion.NoStream, [new NewEvent(Guid.NewGuid(), created)],
            new EventMetadata(actor.Id, actor.Name, now, Guid.NewGuid()), ct);
        return new CreatedShare(token, (await links.LinkAsync(shareId, ct))!);
    }

    /// <summary>The experiment link behind <paramref name="token"/>, or null when it is unknown, revoked, expired or opens something else (alike).</summary>
    public async Task<ResolvedExperimentShare?> ResolveAsync(string? token, CancellationToken ct = default)
    {
        if (!ShareLinks.LooksLikeToken(token)) return null;
        await using var command = dataSource.CreateCommand("""
            select id, experiment_id, mode, snapshot_at, show_prompts, expires from share_links
            where token_hash = @hash and target = 'experiment' and revoked is null and (expires is null or expires > @now)
            """);
        command.Parameters.AddWithValue("hash", ShareLinks.Hash(token!));
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new ResolvedExperimentShare(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2) == "live" ? ShareMode.Live : ShareMode.Snapshot,
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.GetBoolean(4),
            reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5));
    }

    /// <summary>
    /// The experiment behind <paramref name="token"/> as the public may see it, with items page <paramref name="page"/>
    /// (from 1; past the last page is a 400's <see cref="ValidationException"/>). Null exactly when
    /// <see cref="ResolveAsync"/> is. A snapshot counts outputs, verdicts and votes recorded by its moment, each vote as it
    /// was then.
    /// </summary>
    public async Task<SharedExperiment?> OpenAsync(string? token, int page = 1, CancellationToken ct = default)
    {
        var share = await ResolveAsync(token, ct);
        if (share is null) return null;
        var experiment = await experiments.ExperimentAsync(share.ExperimentId, ct);
        if (experiment is null) return null;
        var definition = experiment.Definition;
        var at = share.SnapshotAt;

        // The page is checked first: a page out of range costs no fit.
        var set = await promptSets.ReadAsync(definition.PromptSetId, definition.PromptSetVersion, ct);
        var items = definition.ItemIds.Select(id => set?.State.Items.FirstOrDefault(i => i.Id == id) ?? new PromptItem(id, [], [])).ToList();
        var pages = Math.Max(1, (items.Count + ItemsPerPage - 1) / ItemsPerPage);
        if (page < 1 || page > pages) throw new ValidationException("page", $"Choose a page from 1 to {pages}.");
        var shown = items.Skip((page - 1) * ItemsPerPage).Take(ItemsPerPage).ToList();
        var shownIds = shown.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);

        var outputs = (await experiments.OutputsAsync(experiment.Id, ct)).Where(o => at is null || o.Created <= at).ToList();
        var judgments = await results.JudgmentsAsync(experiment.Id, ct, at);
        var voted = at is { } t ? await votes.VotesAsOfAsync(experiment.Id, t, ct) : await votes.VotesAsync(experiment.Id, ct);
        var judge = judgments.Count == 0 ? null : ExperimentResults.Rate("judge", definition, judgments.Select(j => (j.ArmA, j.ArmB, j.Verdict)).ToList());
        var people = voted.Count == 0 ? null : ExperimentResults.People(definition, voted, judgments);

        return new SharedExperiment(share, experiment, set?.State.Name ?? "", items.Count, await ArmsAsync(experiment, share.ShowPrompts, ct),
            judge, judgments.Count == 0 ? null : ExperimentResults.Bias(judgments), people, outputs.Count, shown,
            outputs.Where(o => shownIds.Contains(o.ItemId)).ToList(), judgments.Where(j => shownIds.Contains(j.ItemId)).ToList(), page, pages);
    }

    /// <summary>The arms, named as far as <paramref name="showPrompts"/> and each constitution's visibility allow (see <see cref="SharedArm"/>).</summary>
    private async Task<IReadOnlyList<SharedArm>> ArmsAsync(ExperimentRow experiment, bool showPrompts, CancellationToken ct)
    {
        var arms = new List<SharedArm>();
        foreach (var arm in experiment.Definition.Arms)
        {
            var constitution = await ConstitutionAsync(arm.ConstitutionId, ct);
            // Only a public constitution is named by default: an unlisted one is readable by whoever has its address, and
            // naming it here would hand that address to everyone with the share link.
            var named = constitution is not null && (constitution.Visibility == Visibility.Public || showPrompts);
            var readable = named && DocumentAccess.CanRead(constitution!, null);
            string? prompt = null;
            if (showPrompts && await constitutions.RevisionAsync(arm.ConstitutionId, arm.Revision, ct) is { } revision)
                prompt = PromptCompiler.Compile(revision.Markdown, revision.Sections, arm.Recipe).Text;
            arms.Add(new SharedArm(arm, named ? constitution!.Slug : null, readable, prompt));
        }
        return arms;
    }

    private async Task<IReadOnlyList<ConstitutionRow?>> ConstitutionsAsync(ExperimentRow experiment, CancellationToken ct)
    {
        var rows = new List<ConstitutionRow?>();
        foreach (var id in experiment.Definition.Arms.Select(a => a.ConstitutionId).Distinct()) rows.Add(await ConstitutionAsync(id, ct));
        return rows;
    }

    private async Task<ConstitutionRow?> ConstitutionAsync(Guid id, CancellationToken ct) =>
        await experiments.ConstitutionSlugAsync(id, ct) is { } slug ? await constitutions.BySlugAsync(slug, ct) : null;
}
