using System.Security.Cryptography;
using System.Text;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Streams;

namespace ConstitutionHub.Core.Documents;

public sealed record SaveResult(int Revision, bool Merged, bool Unchanged, SaveDecision.Conflict? Conflict)
{
    public bool IsConflict => Conflict is not null;
}

/// <summary>
/// The write side of constitutions: loads state, asks <see cref="ConstitutionDecisions"/> what happens and appends
/// the events with the expected version. A command id makes a retried request idempotent.
/// </summary>
public sealed class ConstitutionCommands(EventStreams store, ConstitutionQueries queries)
{
    // Each retry merges against the newer text, so retrying is safe; the cap only bounds a pathological pile-up.
    private const int MaxRetries = 50;

    public async Task<ConstitutionRow> CreateAsync(Actor actor, CreateConstitution command, Guid commandId, CancellationToken ct = default)
    {
        var slug = DocumentRules.Slug(command.Slug);
        if (await queries.BySlugAsync(slug, ct) is not null)
            throw new ValidationException("slug", $"The slug '{slug}' is taken.");
        var id = DeriveId(commandId, 0);
        var events = ConstitutionDecisions.Create(id, actor.Id, command, NewSectionId);
        await AppendNew(actor, id, events, commandId, ct);
        return (await queries.BySlugAsync(slug, ct))!;
    }

    /// <summary>Saves text edited from <paramref name="baseRevision"/>; merges with saves made in between when they do not overlap.</summary>
    public async Task<SaveResult> SaveAsync(Actor actor, string slug, string markdown, string editSummary, int baseRevision,
        Guid commandId, bool mergeIfStale = true, CancellationToken ct = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            var state = await LoadEditable(actor, slug, ct);
            if (baseRevision != state.Head && await store.FindAsync(DeriveId(commandId, 1), ct) is { Data: RevisionCommitted done })
                return new SaveResult(done.Number, done.Merged, Unchanged: false, null); // a retry of a save that went through
            if (!mergeIfStale && baseRevision != state.Head)
                throw new WrongExpectedVersionException(ConstitutionStream.Id(state.Id), baseRevision, state.Head);
            var baseMarkdown = baseRevision == state.Head
                ? state.HeadMarkdown
                : (await queries.RevisionAsync(state.Id, baseRevision, ct))?.Markdown ?? "";

            switch (ConstitutionDecisions.Save(state, markdown, editSummary, baseRevision, baseMarkdown, NewSectionId))
            {
                case SaveDecision.Unchanged u:
                    return new SaveResult(u.Head, Merged: false, Unchanged: true, null);
                case SaveDecision.Conflict c:
                    return new SaveResult(c.Head, Merged: false, Unchanged: false, c);
                case SaveDecision.Commit commit:
                    try
                    {
                        await Append(actor, state, [commit.Event], commandId, ct);
                        return new SaveResult(commit.Event.Number, commit.Event.Merged, false, null);
                    }
                    catch (WrongExpectedVersionException) when (attempt < MaxRetries && mergeIfStale)
                    {
                        // Someone saved between our read and our append: merge against theirs too, after a short
                        // random pause so writers that collided do not collide again in lockstep.
                        await Task.Delay(Random.Shared.Next(1, 10 + attempt * 5), ct);
                        break;
                    }
            }
        }
    }

    public async Task<int> RestoreAsync(Actor actor, string slug, int revision, Guid commandId, CancellationToken ct = default)
    {
        var state = await LoadEditable(actor, slug, ct);
        var old = await queries.RevisionAsync(state.Id, revision, ct) ?? throw new NotFoundException($"Revision {revision} does not exist.");
        var restored = ConstitutionDecisions.Restore(state, revision, old.Markdown, NewSectionId);
        await Append(actor, state, [restored], commandId, ct);
        return restored.Number;
    }

    public async Task MoveLabelAsync(Actor actor, string slug, string label, int revision, Guid commandId, CancellationToken ct = default)
    {
        var state = await LoadEditable(actor, slug, ct);
        await Append(actor, state, [ConstitutionDecisions.MoveLabel(state, label, revision)], commandId, ct);
    }

    public async Task RemoveLabelAsync(Actor actor, string slug, string label, Guid commandId, CancellationToken ct = default)
    {
        var state = await LoadEditable(actor, slug, ct);
        await Append(actor, state, [ConstitutionDecisions.RemoveLabel(state, label)], commandId, ct);
    }

    public async Task ChangeDetailsAsync(Actor actor, string slug, string title, string summary, Visibility visibility, Guid commandId,
        CancellationToken ct = default)
    {
        var (row, state) = await LoadEditableRow(actor, slug, ct);
        object[] events = [ConstitutionDecisions.ChangeDetails(state, title, summary)];
        if (visibility != state.Visibility) events = [.. events, .. MembershipDecisions.ChangeVisibility(Membership.Of(row), actor, visibility)];
        await Append(actor, state, events, commandId, ct);
    }

    /// <summary>Forks <paramref name="sourceSlug"/> at <paramref name="revision"/> into a new constitution owned by the actor.
    /// Section ids carry over, so findings about a section can be compared across the fork.</summary>
    public async Task<ConstitutionRow> ForkAsync(Actor actor, string sourceSlug, int revision, string newSlug, string newTitle, Guid commandId,
        CancellationToken ct = default)
    {
        var source = DocumentAccess.EnsureRead(await queries.BySlugAsync(sourceSlug, ct), actor);
        var at = await queries.RevisionAsync(source.Id, revision, ct) ?? throw new NotFoundException($"Revision {revision} does not exist.");
        newSlug = DocumentRules.Slug(newSlug);
        if (await queries.BySlugAsync(newSlug, ct) is not null) throw new ValidationException("slug", $"The slug '{newSlug}' is taken.");
        var id = DeriveId(commandId, 0);
        var events = ConstitutionDecisions.Create(id, actor.Id,
            new CreateConstitution(newSlug, newTitle, source.Summary, source.Visibility == Visibility.Private ? Visibility.Private : Visibility.Public,
                at.Markdown, $"Forked from {source.Slug} at revision {revision}"),
            NewSectionId, new ForkOrigin(source.Id, source.Slug, revision), at.Sections);
        await AppendNew(actor, id, events, commandId, ct);
        return (await queries.BySlugAsync(newSlug, ct))!;
    }

    private async Task<ConstitutionState> LoadEditable(Actor actor, string slug, CancellationToken ct) =>
        (await LoadEditableRow(actor, slug, ct)).State;

    private async Task<(ConstitutionRow Row, ConstitutionState State)> LoadEditableRow(Actor actor, string slug, CancellationToken ct)
    {
        var found = await queries.RowAndStateAsync(slug, ct);
        DocumentAccess.EnsureEdit(found?.Row, actor);
        return found!.Value;
    }

    private Task<AppendResult> Append(Actor actor, ConstitutionState state, object[] events, Guid commandId, CancellationToken ct) =>
        store.AppendAsync(ConstitutionStream.Id(state.Id), state.Version,
            events.Select((e, i) => new NewEvent(DeriveId(commandId, i + 1), e)).ToList(), Metadata(actor, commandId), ct);

    private async Task AppendNew(Actor actor, Guid id, object[] events, Guid commandId, CancellationToken ct)
    {
        try
        {
            await store.AppendAsync(ConstitutionStream.Id(id), ExpectedVersion.NoStream,
                events.Select((e, i) => new NewEvent(DeriveId(commandId, i + 1), e)).ToList(), Metadata(actor, commandId), ct);
        }
        catch (Exception e) when (EventStreams.UniqueConstraintOf(e) == "constitutions_slug_key")
        {
            throw new ValidationException("slug", "That slug was just taken by someone else.");
        }
    }

    internal static EventMetadata Metadata(Actor actor, Guid commandId) =>
        new(actor.Id, actor.Name, DateTimeOffset.UtcNow, commandId);

    /// <summary>Event ids derived from the command id: the same command retried produces the same ids.</summary>
    internal static Guid DeriveId(Guid commandId, int index)
    {
        Span<byte> input = stackalloc byte[20];
        commandId.TryWriteBytes(input);
        BitConverter.TryWriteBytes(input[16..], index);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8: custom
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16]);
    }

    public static string NewSectionId() => "s" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    public static string Fingerprint(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
}
