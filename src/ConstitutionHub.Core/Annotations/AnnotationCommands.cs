using ConstitutionHub.Core.Annotations.Anchoring;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Streams;
using Marten;

namespace ConstitutionHub.Core.Annotations;

/// <summary>A new annotation on a selection: the section (by id), the selected text and where in the section's
/// reading text it was selected (to tell repeated words apart), on <paramref name="Revision"/> (null: the newest).</summary>
public sealed record NewAnnotation(int? Revision, string SectionId, string Exact, int Start, AnnotationKind Kind, string Body, FindingClaim? Finding = null);

/// <summary>A link to evidence as a person gives it; <see cref="AnnotationCommands.AddEvidenceAsync"/> resolves it
/// (a chat's revision and prompt hash) before it is stored.</summary>
public sealed record NewEvidence(EvidenceKind Kind, string Target, EvidenceRelation Relation, string? Note);

/// <summary>
/// The write side of annotations: access checked here, decisions in <see cref="AnnotationDecisions"/>, appends with the
/// expected version; <see cref="CarryForwardAsync"/> re-anchors every annotation of a constitution onto its newest revision.
/// </summary>
public sealed class AnnotationCommands(
    EventStreams streams, IDocumentStore store, ConstitutionQueries constitutions, AnnotationQueries queries, ChatQueries chats,
    RevisionTexts texts, TimeProvider time)
{
    public async Task<Guid> CreateAsync(Actor actor, string slug, NewAnnotation command, Guid commandId, CancellationToken ct = default)
    {
        var constitution = AnnotationAccess.EnsureAnnotate(await constitutions.BySlugAsync(slug, ct), actor);
        var number = command.Revision ?? constitution.HeadRevision;
        var at = await texts.GetAsync(constitution.Id, number, ct)
            ?? throw new ValidationException("revision", $"Revision {number} does not exist; the newest is {constitution.HeadRevision}.");
        var section = at.Document[command.SectionId ?? ""]
            ?? throw new ValidationException("sectionId", $"Revision {number} has no section '{command.SectionId}'.");
        var exact = command.Exact ?? "";
        if (exact.Trim().Length == 0) throw new ValidationException("exact", "Select some text to annotate.");
        if (exact.Length > TextAnchor.MaxQuoteLength) throw new ValidationException("exact", $"Select at most {TextAnchor.MaxQuoteLength:N0} characters.");
        var anchor = TextAnchor.Find(section, exact, command.Start)
            ?? throw new ValidationException("exact", $"The selected text is not in section '{section.Heading}' of revision {number}.");

        var about = new List<string> { section.Id };
        if (command.Finding is { } claim)
        {
            foreach (var id in claim.SectionIds ?? [])
            {
                if (at.Document[id] is null) throw new ValidationException("finding.sectionIds", $"Revision {number} has no section '{id}'.");
                about.Add(id);
            }
        }
        var id2 = ConstitutionCommands.DeriveId(commandId, 0);
        var created = AnnotationDecisions.Create(id2, constitution.Id, number, command.Kind, anchor, command.Body, command.Finding,
            Hashes(at.Revision, about));

        // Made on an older revision: carried to the newest in the same append, so it shows there at once.
        var events = new List<object> { created };
        var state = AnnotationState.From([Stored(created, actor)]);
        for (var next = number + 1; next <= constitution.HeadRevision; next++)
        {
            var carried = await CarryOne(constitution.Id, state, next, ct);
            if (carried is null) break;
            events.Add(carried);
            state = state.Apply(Stored(carried, actor));
        }
        await streams.AppendAsync(AnnotationStream.Id(id2), ExpectedVersion.NoStream,
            events.Select((e, i) => new NewEvent(ConstitutionCommands.DeriveId(commandId, i + 1), e)).ToList(), Metadata(actor, commandId), ct);
        return id2;
    }

    public async Task<Guid> ReplyAsync(Actor actor, Guid annotationId, string body, Guid commandId, CancellationToken ct = default)
    {
        var (state, _) = await LoadAnnotatable(actor, annotationId, ct);
        var replyId = ConstitutionCommands.DeriveId(commandId, 0);
        await Append(actor, state, AnnotationDecisions.Reply(state, replyId, body), commandId, ct);
        return replyId;
    }

    public async Task EditAsync(Actor actor, Guid annotationId, Guid commentId, string body, Guid commandId, CancellationToken ct = default)
    {
        var (state, _) = await LoadAnnotatable(actor, annotationId, ct);
        await Append(actor, state, AnnotationDecisions.Edit(state, actor.Id, commentId, body), commandId, ct);
    }

    public async Task DeleteAsync(Actor actor, Guid annotationId, Guid commentId, Guid commandId, CancellationToken ct = default)
    {
        var (state, constitution) = await LoadAnnotatable(actor, annotationId, ct);
        await Append(actor, state, AnnotationDecisions.Delete(state, actor.Id, commentId, AnnotationAccess.CanModerate(constitution, actor)), commandId, ct);
    }

    public async Task SetResolvedAsync(Actor actor, Guid annotationId, bool resolved, Guid commandId, CancellationToken ct = default)
    {
        var (state, _) = await LoadAnnotatable(actor, annotationId, ct);
        await Append(actor, state, AnnotationDecisions.Resolve(state, resolved), commandId, ct);
    }

    public async Task ChangeStatusAsync(Actor actor, Guid annotationId, FindingStatus status, string reason, Guid commandId, CancellationToken ct = default)
    {
        var (state, _) = await LoadAnnotatable(actor, annotationId, ct);
        await Append(actor, state, AnnotationDecisions.ChangeStatus(state, status, reason), commandId, ct);
    }

    /// <summary>Links evidence to a finding. A chat message must be one the actor can read; it records the chat's
    /// revision, compiled prompt hash and the hashes of the finding's sections on that revision.</summary>
    public async Task<Guid> AddEvidenceAsync(Actor actor, Guid annotationId, NewEvidence evidence, Guid commandId, CancellationToken ct = default)
    {
        var (state, constitution) = await LoadAnnotatable(actor, annotationId, ct);
        var link = await Resolve(actor, state, constitution, evidence, ConstitutionCommands.DeriveId(commandId, 0), ct);
        await Append(actor, state, AnnotationDecisions.AddEvidence(state, link), commandId, ct);
        return link.EvidenceId;
    }

    /// <summary>Re-confirms a finding against the newest text: its sections' current hashes become the new basis.</summary>
    public async Task ReconfirmAsync(Actor actor, Guid annotationId, string note, Guid commandId, CancellationToken ct = default)
    {
        var (state, constitution) = await LoadAnnotatable(actor, annotationId, ct);
        var head = await texts.GetAsync(constitution.Id, constitution.HeadRevision, ct) ?? throw new NotFoundException("No such revision.");
        var view = await queries.ByIdAsync(annotationId, ct);
        var about = new List<string> { state.LastAnchor?.SectionId ?? "" };
        about.AddRange(view?.Row.Finding?.SectionIds ?? []);
        await Append(actor, state, AnnotationDecisions.Reconfirm(state, constitution.HeadRevision, Hashes(head.Revision, about), note), commandId, ct);
    }

    /// <summary>
    /// Carries every annotation of the constitution onto its newest revision, one revision at a time (each step
    /// through that revision's own diff). Safe to run from several places at once: event ids derive from the annotation
    /// and revision, so a second run of the same step is recognised, and a conflict just means someone else carried it.
    /// Returns how many annotations moved on.
    /// </summary>
    public async Task<int> CarryForwardAsync(Guid constitutionId, CancellationToken ct = default)
    {
        var slug = await queries.ConstitutionSlugAsync(constitutionId, ct);
        if (slug is null) return 0;
        var head = (await constitutions.BySlugAsync(slug, ct))!.HeadRevision;
        var pending = await queries.PendingAsync(constitutionId, head, ct);
        if (pending.Count == 0) return 0;

        await using var session = store.LightweightSession();
        var metadata = Metadata(Actor.System, Guid.NewGuid());
        foreach (var group in pending.GroupBy(p => (p.CarriedRevision, p.AnchorRevision)))
        {
            // One engine per step and starting revision: each section is diffed once for the whole group.
            var carried = group.ToDictionary(p => p.Id, p => (Anchor: (TextAnchor?)p.LastAnchor, From: p.AnchorRevision, Events: new List<AnchorCarried>()));
            for (var next = group.Key.CarriedRevision + 1; next <= head; next++)
            {
                var target = await texts.GetAsync(constitutionId, next, ct);
                if (target is null) break;
                foreach (var from in carried.Values.Select(c => c.From).Distinct().ToList())
                {
                    var source = await texts.GetAsync(constitutionId, from, ct);
                    if (source is null) continue;
                    var engine = new Reanchoring(source.Value.Document, target.Value.Document);
                    foreach (var (id, c) in carried.Where(c => c.Value.From == from).ToList())
                    {
                        var result = engine.Reanchor(c.Anchor!);
                        c.Events.Add(AnnotationDecisions.Carry(result, next));
                        carried[id] = result.Anchor is null ? c : (result.Anchor, next, c.Events);
                    }
                }
            }
            foreach (var p in group)
            {
                var events = carried[p.Id].Events;
                if (events.Count == 0) continue;
                var built = events.Select(e =>
                {
                    var marten = session.Events.BuildEvent(e);
                    MartenEvents.Stamp(marten, CarryId(p.Id, e.Revision), metadata);
                    return marten;
                }).ToArray();
                session.Events.Append(AnnotationStream.Id(p.Id), p.StreamVersion + built.Length, built);
            }
        }
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (e is JasperFx.ConcurrencyException || EventStreams.UniqueConstraintOf(e) is not null)
        {
            // Another node (or a reply) got there first: read again and carry what is left.
            return await CarryForwardAsync(constitutionId, ct);
        }
        return pending.Count;
    }

    private async Task<AnchorCarried?> CarryOne(Guid constitutionId, AnnotationState state, int next, CancellationToken ct)
    {
        var source = await texts.GetAsync(constitutionId, state.AnchorRevision, ct);
        var target = await texts.GetAsync(constitutionId, next, ct);
        if (source is null || target is null || state.LastAnchor is null) return null;
        return AnnotationDecisions.Carry(new Reanchoring(source.Value.Document, target.Value.Document).Reanchor(state.LastAnchor), next);
    }

    private async Task<EvidenceLink> Resolve(Actor actor, AnnotationState state, ConstitutionRow constitution, NewEvidence evidence, Guid id,
        CancellationToken ct)
    {
        var target = (evidence.Target ?? "").Trim();
        if (target.Length is 0 or > 2000) throw new ValidationException("target", "Give the link to the evidence (at most 2,000 characters).");
        var view = await queries.ByIdAsync(state.Id, ct);
        var about = new List<string> { state.LastAnchor?.SectionId ?? "" };
        about.AddRange(view?.Row.Finding?.SectionIds ?? []);
        switch (evidence.Kind)
        {
            case EvidenceKind.ChatMessage:
            {
                var (chatId, messageId) = EvidenceTargets.Chat(target);
                var chat = await chats.ChatAsync(chatId, ct);
                ChatAccess.EnsureRead(chat, constitution, actor);
                if (chat!.ConstitutionId != constitution.Id) throw new ValidationException("target", "That chat tested another constitution.");
                if (messageId is { } m && await chats.MessageAsync(chatId, m, ct) is null)
                    throw new ValidationException("target", "That chat has no such message.");
                var revision = await texts.GetAsync(constitution.Id, chat.Revision, ct);
                return new EvidenceLink(id, evidence.Kind, EvidenceTargets.ChatPath(chatId, messageId), evidence.Relation, evidence.Note ?? "",
                    chatId, messageId, chat.Revision, chat.PromptHash, revision is null ? new Dictionary<string, string>() : Hashes(revision.Value.Revision, about));
            }
            case EvidenceKind.Url:
                return new EvidenceLink(id, evidence.Kind, EvidenceTargets.Url(target), evidence.Relation, evidence.Note ?? "", null, null, null, null,
                    new Dictionary<string, string>());
            case EvidenceKind.ShareLink:
                return new EvidenceLink(id, evidence.Kind, EvidenceTargets.Share(target), evidence.Relation, evidence.Note ?? "", null, null, null, null,
                    new Dictionary<string, string>());
            case EvidenceKind.Experiment:
                return new EvidenceLink(id, evidence.Kind, EvidenceTargets.Experiment(target), evidence.Relation, evidence.Note ?? "", null, null, null, null,
                    new Dictionary<string, string>());
            default:
                throw new ValidationException("kind", "Evidence is a chat_message, share_link, experiment or url.");
        }
    }

    private async Task<(AnnotationState State, ConstitutionRow Constitution)> LoadAnnotatable(Actor actor, Guid annotationId, CancellationToken ct)
    {
        var events = await streams.ReadStreamAsync(AnnotationStream.Id(annotationId), ct: ct);
        var state = AnnotationState.From(events);
        if (!state.Exists) throw new NotFoundException("No such annotation.");
        var slug = await queries.ConstitutionSlugAsync(state.ConstitutionId, ct);
        var constitution = AnnotationAccess.EnsureAnnotate(slug is null ? null : await constitutions.BySlugAsync(slug, ct), actor);
        return (state, constitution);
    }

    private Task<AppendResult> Append(Actor actor, AnnotationState state, object @event, Guid commandId, CancellationToken ct) =>
        streams.AppendAsync(AnnotationStream.Id(state.Id), state.Version, [new NewEvent(ConstitutionCommands.DeriveId(commandId, 1), @event)],
            Metadata(actor, commandId), ct);

    private static IReadOnlyDictionary<string, string> Hashes(Revision revision, IEnumerable<string> sectionIds)
    {
        var wanted = sectionIds.ToHashSet(StringComparer.Ordinal);
        return revision.Sections.Where(s => wanted.Contains(s.Id)).ToDictionary(s => s.Id, s => s.ContentHash);
    }

    private EventMetadata Metadata(Actor actor, Guid commandId) => new(actor.Id, actor.Name, time.GetUtcNow(), commandId);

    private StoredEvent Stored(object data, Actor actor) => new(0, Guid.Empty, "", 0, "", data, Metadata(actor, Guid.Empty));

    /// <summary>The event id of carrying one annotation onto one revision: the same wherever and however often it runs.</summary>
    private static Guid CarryId(Guid annotationId, int revision) => ConstitutionCommands.DeriveId(annotationId, 1_000_000 + revision);
}
