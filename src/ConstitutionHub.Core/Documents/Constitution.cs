using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Documents;

/// <summary>What command handling needs to know about one constitution. Built by <see cref="Apply"/> from its
/// events, or read from the inline read model (which the same events built) when the stream is long.</summary>
public sealed record ConstitutionState(
    Guid Id,
    string Slug,
    string Title,
    string Summary,
    Visibility Visibility,
    string OwnerId,
    int Head,
    string HeadMarkdown,
    IReadOnlyList<SectionInfo> HeadSections,
    IReadOnlyDictionary<string, int> Labels,
    long Version)
{
    public static readonly ConstitutionState Initial =
        new(Guid.Empty, "", "", "", Visibility.Public, "", 0, "", [], new Dictionary<string, int>(), 0);

    public bool Exists => Id != Guid.Empty;

    public ConstitutionState Apply(object @event) => (@event switch
    {
        ConstitutionCreated e => this with
        {
            Id = e.ConstitutionId, Slug = e.Slug, Title = e.Title, Summary = e.Summary, Visibility = e.Visibility, OwnerId = e.OwnerId,
        },
        RevisionCommitted e => this with { Head = e.Number, HeadMarkdown = e.Markdown, HeadSections = e.Sections },
        DetailsChanged e => this with { Title = e.Title, Summary = e.Summary, Visibility = e.Visibility },
        VisibilityChanged e => this with { Visibility = e.Visibility },
        OwnershipTransferred e => this with { OwnerId = e.PersonId },
        LabelMoved e => this with { Labels = new Dictionary<string, int>(Labels) { [e.Label] = e.Revision } },
        LabelRemoved e => this with { Labels = Labels.Where(l => l.Key != e.Label).ToDictionary() },
        _ => this,
    }) with { Version = Version + 1 };

    public static ConstitutionState From(IEnumerable<object> events) => events.Aggregate(Initial, (s, e) => s.Apply(e));
}

public sealed record CreateConstitution(string Slug, string Title, string Summary, Visibility Visibility, string Markdown, string EditSummary);

/// <summary>The outcome of saving text that was edited starting from <c>BaseRevision</c>.</summary>
public abstract record SaveDecision
{
    public sealed record Commit(RevisionCommitted Event) : SaveDecision;
    /// <summary>The text equals the newest revision: nothing to record.</summary>
    public sealed record Unchanged(int Head) : SaveDecision;
    /// <summary>Someone saved in between and the edits overlap: both versions go to the writer to resolve.</summary>
    public sealed record Conflict(int Head, MergeResult Merge, string Theirs) : SaveDecision;
}

/// <summary>Command handling: small pure functions from state and command to events.</summary>
public static class ConstitutionDecisions
{
    public static object[] Create(Guid id, string ownerId, CreateConstitution command, Func<string> newSectionId, ForkOrigin? origin = null,
        IReadOnlyList<SectionInfo>? inheritedSections = null)
    {
        // An enum holds any number: a cast or a lenient parse elsewhere must not store a visibility no check knows.
        if (!Enum.IsDefined(command.Visibility)) throw new ValidationException("visibility", "visibility is one of public, unlisted, private.");
        var markdown = DocumentRules.Markdown(command.Markdown);
        VariantsMustBeValid(markdown);
        var created = new ConstitutionCreated(id, DocumentRules.Slug(command.Slug), DocumentRules.Title(command.Title),
            DocumentRules.Summary(command.Summary), command.Visibility, ownerId, origin);
        var sections = SectionIdentity.Assign(inheritedSections ?? [], SectionParser.Parse(markdown), newSectionId);
        var first = new RevisionCommitted(1, markdown, DocumentRules.Summary(command.EditSummary, "editSummary", DocumentRules.MaxEditSummaryLength),
            sections, BaseRevision: 0);
        return [created, first];
    }

    /// <summary>
    /// Saves <paramref name="markdown"/>, written on top of revision <paramref name="baseRevision"/> (whose text is
    /// <paramref name="baseMarkdown"/>). When others saved in between, the edits merge section by section.
    /// </summary>
    public static SaveDecision Save(ConstitutionState state, string markdown, string editSummary, int baseRevision,
        string baseMarkdown, Func<string> newSectionId)
    {
        if (!state.Exists) throw new NotFoundException("This constitution does not exist.");
        markdown = DocumentRules.Markdown(markdown);
        editSummary = DocumentRules.Summary(editSummary, "editSummary", DocumentRules.MaxEditSummaryLength);
        if (baseRevision < 1 || baseRevision > state.Head)
            throw new ValidationException("baseRevision", $"Revision {baseRevision} does not exist; the newest is {state.Head}.");

        var merged = false;
        if (baseRevision != state.Head)
        {
            var merge = ThreeWayMerge.Merge(baseMarkdown, markdown, state.HeadMarkdown);
            if (!merge.IsClean) return new SaveDecision.Conflict(state.Head, merge, state.HeadMarkdown);
            markdown = merge.Merged;
            merged = true;
        }

        if (markdown == state.HeadMarkdown) return new SaveDecision.Unchanged(state.Head);
        VariantsMustBeValid(markdown);
        var sections = SectionIdentity.Assign(state.HeadSections, SectionParser.Parse(markdown), newSectionId);
        return new SaveDecision.Commit(new RevisionCommitted(state.Head + 1, markdown, editSummary, sections, baseRevision, Merged: merged));
    }

    public static RevisionCommitted Restore(ConstitutionState state, int revision, string oldMarkdown, Func<string> newSectionId)
    {
        if (revision < 1 || revision > state.Head) throw new NotFoundException($"Revision {revision} does not exist.");
        if (revision == state.Head) throw new ValidationException("revision", $"Revision {revision} is already the newest.");
        var sections = SectionIdentity.Assign(state.HeadSections, SectionParser.Parse(oldMarkdown), newSectionId);
        return new RevisionCommitted(state.Head + 1, oldMarkdown, $"Restored revision {revision}", sections, state.Head, RestoredFrom: revision);
    }

    public static LabelMoved MoveLabel(ConstitutionState state, string label, int revision)
    {
        label = DocumentRules.Label(label);
        if (revision < 1 || revision > state.Head) throw new NotFoundException($"Revision {revision} does not exist.");
        return new LabelMoved(label, revision);
    }

    public static LabelRemoved RemoveLabel(ConstitutionState state, string label)
    {
        label = DocumentRules.Label(label);
        return state.Labels.ContainsKey(label) ? new LabelRemoved(label) : throw new NotFoundException($"There is no label '{label}'.");
    }

    /// <summary>Title and summary; visibility is its own event (<see cref="MembershipDecisions.ChangeVisibility"/>), so the
    /// details keep the visibility they have.</summary>
    public static DetailsChanged ChangeDetails(ConstitutionState state, string title, string summary) =>
        new(DocumentRules.Title(title), DocumentRules.Summary(summary), state.Visibility);

    private static void VariantsMustBeValid(string markdown)
    {
        var problems = VariantValidator.Validate(markdown);
        if (problems.Count > 0) throw new ValidationException("markdown", string.Join(" ", problems.Take(5)));
    }
}
