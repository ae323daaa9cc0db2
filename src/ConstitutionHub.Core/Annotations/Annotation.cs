using System.Text.RegularExpressions;
using ConstitutionHub.Core.Annotations.Anchoring;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Streams;

namespace ConstitutionHub.Core.Annotations;

/// <summary>One comment of a thread as command handling needs it (its text: an edit must change it).</summary>
public sealed record CommentState(Guid Id, string AuthorId, string Body, bool Deleted);

/// <summary>What command handling needs to know about one annotation, built from its events.</summary>
public sealed record AnnotationState(
    Guid Id,
    Guid ConstitutionId,
    AnnotationKind Kind,
    string AuthorId,
    int CarriedRevision,
    int AnchorRevision,
    TextAnchor? LastAnchor,
    bool Resolved,
    FindingStatus? Status,
    IReadOnlyDictionary<Guid, CommentState> Comments,
    IReadOnlySet<Guid> Evidence,
    long Version)
{
    public static readonly AnnotationState Initial = new(Guid.Empty, Guid.Empty, AnnotationKind.Comment, "", 0, 0, null, false, null,
        new Dictionary<Guid, CommentState>(), new HashSet<Guid>(), 0);

    public bool Exists => Id != Guid.Empty;

    public AnnotationState Apply(StoredEvent e) => (e.Data switch
    {
        AnnotationCreated x => this with
        {
            Id = x.AnnotationId, ConstitutionId = x.ConstitutionId, Kind = x.Kind, AuthorId = e.Metadata.ActorId,
            CarriedRevision = x.Revision, AnchorRevision = x.Revision, LastAnchor = x.Anchor,
            Status = x.Kind == AnnotationKind.Finding ? FindingStatus.Proposed : null,
            Comments = new Dictionary<Guid, CommentState> { [x.AnnotationId] = new(x.AnnotationId, e.Metadata.ActorId, x.Body, false) },
        },
        AnchorCarried x => x.Anchor is null
            ? this with { CarriedRevision = x.Revision }
            : this with { CarriedRevision = x.Revision, AnchorRevision = x.Revision, LastAnchor = x.Anchor },
        ReplyPosted x => this with
        {
            Comments = new Dictionary<Guid, CommentState>(Comments) { [x.ReplyId] = new(x.ReplyId, e.Metadata.ActorId, x.Body, false) },
        },
        CommentEdited x => this with
        {
            Comments = new Dictionary<Guid, CommentState>(Comments) { [x.CommentId] = Comments[x.CommentId] with { Body = x.Body } },
        },
        CommentDeleted x => this with
        {
            Comments = new Dictionary<Guid, CommentState>(Comments) { [x.CommentId] = Comments[x.CommentId] with { Deleted = true } },
        },
        ThreadResolved => this with { Resolved = true },
        ThreadReopened => this with { Resolved = false },
        FindingStatusChanged x => this with { Status = x.Status },
        EvidenceAdded x => this with { Evidence = new HashSet<Guid>(Evidence) { x.Evidence.EvidenceId } },
        _ => this,
    }) with { Version = Version + 1 };

    public static AnnotationState From(IEnumerable<StoredEvent> events) => events.Aggregate(Initial, (s, e) => s.Apply(e));
}

/// <summary>Command handling for annotations: small pure functions from state and command to events.</summary>
public static partial class AnnotationDecisions
{
    public const int MaxBodyLength = 10_000;
    public const int MaxReasonLength = 2_000;
    public const int MaxBehaviourLength = 200;

    /// <summary>A comment body: Markdown, rendered later through the document pipeline (raw HTML off).</summary>
    public static string Body(string? body, string field = "body")
    {
        body = (body ?? "").Replace("\r\n", "\n").Trim();
        if (body.Length == 0) throw new ValidationException(field, "Write something first.");
        if (body.Length > MaxBodyLength) throw new ValidationException(field, $"At most {MaxBodyLength:N0} characters.");
        if (body.Any(c => char.IsControl(c) && c is not '\n' and not '\t'))
            throw new ValidationException(field, "Control characters are not allowed.");
        return body;
    }

    /// <summary>People named as <c>@name</c>, lowercased, once each, in order.</summary>
    public static IReadOnlyList<string> Mentions(string body) =>
        MentionPattern().Matches(body).Select(m => m.Groups[1].Value.ToLowerInvariant()).Distinct().Take(50).ToArray();

    public static AnnotationCreated Create(Guid id, Guid constitutionId, int revision, AnnotationKind kind, TextAnchor anchor, string body,
        FindingClaim? finding, IReadOnlyDictionary<string, string> sectionHashes)
    {
        if (!Enum.IsDefined(kind)) throw new ValidationException("kind", "The kind is comment, question or finding.");
        body = Body(body);
        if (kind == AnnotationKind.Finding)
        {
            if (finding is null) throw new ValidationException("finding", "A finding states its claim: behaviour, direction and strength.");
            finding = Claim(finding);
        }
        else if (finding is not null)
        {
            throw new ValidationException("finding", "Only a finding has a claim.");
        }
        return new AnnotationCreated(id, constitutionId, revision, kind, anchor, body, Mentions(body), finding, sectionHashes);
    }

    public static FindingClaim Claim(FindingClaim claim)
    {
        var behaviour = (claim.Behaviour ?? "").Trim();
        if (behaviour.Length == 0) throw new ValidationException("finding.behaviour", "Name the behaviour the finding is about.");
        if (behaviour.Length > MaxBehaviourLength) throw new ValidationException("finding.behaviour", $"At most {MaxBehaviourLength} characters.");
        if (!Enum.IsDefined(claim.Direction)) throw new ValidationException("finding.direction", "The direction is helps, hurts or no_effect.");
        if (!Enum.IsDefined(claim.Strength)) throw new ValidationException("finding.strength", "The strength is anecdote, small_test or experiment.");
        var variants = (claim.Variants ?? []).Select(v => v.Trim()).Where(v => v.Length > 0).Distinct().ToArray();
        if (variants.Any(v => !Documents.Text.VariantSyntax.IsValidName(v)))
            throw new ValidationException("finding.variants", "Variant names use a-z, 0-9 and '-'.");
        return claim with { Behaviour = behaviour, Variants = variants, SectionIds = (claim.SectionIds ?? []).Distinct().ToArray() };
    }

    public static ReplyPosted Reply(AnnotationState state, Guid replyId, string body)
    {
        MustExist(state);
        body = Body(body);
        return new ReplyPosted(replyId, body, Mentions(body));
    }

    public static CommentEdited Edit(AnnotationState state, string actorId, Guid commentId, string body)
    {
        var comment = Comment(state, commentId);
        if (comment.AuthorId != actorId) throw new ForbiddenException("Only its author can edit a comment.");
        body = Body(body);
        // An edit is a new version in the history readers see: one that changes nothing is not one.
        if (body == comment.Body) throw new ValidationException("body", "The text is unchanged.");
        return new CommentEdited(commentId, body, Mentions(body));
    }

    public static CommentDeleted Delete(AnnotationState state, string actorId, Guid commentId, bool isMaintainer)
    {
        var comment = Comment(state, commentId);
        if (comment.AuthorId != actorId && !isMaintainer)
            throw new ForbiddenException("Only its author or a maintainer of the constitution can delete a comment.");
        return new CommentDeleted(commentId);
    }

    public static object Resolve(AnnotationState state, bool resolved)
    {
        MustExist(state);
        if (state.Resolved == resolved)
            throw new ValidationException("resolved", resolved ? "The thread is resolved already." : "The thread is open already.");
        return resolved ? new ThreadResolved() : new ThreadReopened();
    }

    public static FindingStatusChanged ChangeStatus(AnnotationState state, FindingStatus status, string reason)
    {
        MustBeFinding(state);
        if (!Enum.IsDefined(status)) throw new ValidationException("status", "The status is proposed, supported, contested or refuted.");
        reason = (reason ?? "").Trim();
        if (reason.Length == 0) throw new ValidationException("reason", "Say why the status changes.");
        if (reason.Length > MaxReasonLength) throw new ValidationException("reason", $"At most {MaxReasonLength:N0} characters.");
        if (state.Status == status) throw new ValidationException("status", $"The finding is {status.ToString().ToLowerInvariant()} already.");
        return new FindingStatusChanged(status, reason);
    }

    public static EvidenceAdded AddEvidence(AnnotationState state, EvidenceLink evidence)
    {
        MustBeFinding(state);
        if (state.Evidence.Contains(evidence.EvidenceId)) throw new ValidationException("evidence", "This evidence is linked already.");
        if (!Enum.IsDefined(evidence.Relation)) throw new ValidationException("relation", "Evidence supports or contradicts.");
        if ((evidence.Note ?? "").Length > MaxReasonLength) throw new ValidationException("note", $"At most {MaxReasonLength:N0} characters.");
        return new EvidenceAdded(evidence with { Note = (evidence.Note ?? "").Trim() });
    }

    public static FindingReconfirmed Reconfirm(AnnotationState state, int revision, IReadOnlyDictionary<string, string> hashes, string note)
    {
        MustBeFinding(state);
        note = (note ?? "").Trim();
        if (note.Length > MaxReasonLength) throw new ValidationException("note", $"At most {MaxReasonLength:N0} characters.");
        return new FindingReconfirmed(revision, hashes, note);
    }

    /// <summary>Where the annotation is on <paramref name="revision"/>, from the last revision it was anchored on
    /// (so an orphan whose text comes back, say by a restore, is found again).</summary>
    public static AnchorCarried Carry(Reanchored result, int revision) =>
        new(revision, result.Anchor, result.Outcome, result.Method);

    private static CommentState Comment(AnnotationState state, Guid commentId)
    {
        MustExist(state);
        if (!state.Comments.TryGetValue(commentId, out var comment)) throw new NotFoundException("No such comment.");
        if (comment.Deleted) throw new ValidationException("comment", "The comment was deleted.");
        return comment;
    }

    private static void MustExist(AnnotationState state)
    {
        if (!state.Exists) throw new NotFoundException("No such annotation.");
    }

    private static void MustBeFinding(AnnotationState state)
    {
        MustExist(state);
        if (state.Kind != AnnotationKind.Finding) throw new ValidationException("kind", "Only a finding has a status and evidence.");
    }

    // A name does not end in '.' or '-': "see @carol." mentions carol.
    [GeneratedRegex(@"(?<![\w@])@([A-Za-z0-9](?:[A-Za-z0-9_.-]{0,37}[A-Za-z0-9_])?)")]
    private static partial Regex MentionPattern();
}
