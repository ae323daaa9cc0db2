namespace ConstitutionHub.Core.Documents.Text;

/// <summary>A section of one revision with its stable id.</summary>
/// <param name="Id">Stable across revisions: kept through edits, renames, moves and level changes.</param>
/// <param name="Ordinal">0-based position in the revision.</param>
/// <param name="ContentHash">"sha256:" + hex of the section text (heading included, LF line endings).</param>
public sealed record SectionInfo(
    string Id,
    string Heading,
    int Level,
    int Ordinal,
    IReadOnlyList<string> VariantNames,
    string ContentHash)
{
    /// <summary>
    /// Similarity sketch of the body, used to recognise the section in the next revision after its heading was
    /// renamed. Store it with the rest of the record; an empty value only means renames are not recognised.
    /// </summary>
    public string Fingerprint { get; init; } = "";

    public string? DefaultVariant => VariantSyntax.DefaultOf(VariantNames);
}

/// <summary>Gives every section of a new revision an id, reusing the previous revision's ids where it can.</summary>
public static class SectionIdentity
{
    /// <summary>
    /// Matches each current section to a previous one (see SYNTAX.md, "Section ids"): same heading first, then
    /// similar body for renamed headings; splits keep the id on the larger part. Unmatched sections get
    /// <paramref name="newId"/>(), called in document order.
    /// </summary>
    /// <exception cref="ArgumentException">Previous ids are not unique, or <paramref name="newId"/> returns an empty or already used id.</exception>
    public static IReadOnlyList<SectionInfo> Assign(
        IReadOnlyList<SectionInfo> previous, IReadOnlyList<ParsedSection> current, Func<string> newId)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(newId);

        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var section in previous)
        {
            if (!used.Add(section.Id))
            {
                throw new ArgumentException($"The previous revision lists section id '{section.Id}' twice.", nameof(previous));
            }
        }

        var fingerprints = current.Select(s => SectionFingerprint.Of(s.Body)).ToArray();
        var previousItems = previous
            .Select(s => new MatchItem(s.Level, s.Heading, () => SectionFingerprint.Decode(s.Fingerprint)))
            .ToArray();
        var currentItems = current.Select((s, i) => new MatchItem(s.Level, s.Heading, () => fingerprints[i])).ToArray();
        var previousOf = SectionMatcher.Match(previousItems, currentItems);

        var result = new SectionInfo[current.Count];
        for (var i = 0; i < current.Count; i++)
        {
            var id = previousOf[i] >= 0 ? previous[previousOf[i]].Id : NextId(newId, used);
            var section = current[i];
            result[i] = new SectionInfo(id, section.Heading, section.Level, i, section.VariantNames,
                TextLines.Sha256(section.Text))
            {
                Fingerprint = fingerprints[i].Encode(),
            };
        }
        return result;
    }

    private static string NextId(Func<string> newId, HashSet<string> used)
    {
        var id = newId();
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new ArgumentException("The new-id function returned an empty id.", nameof(newId));
        }
        if (!used.Add(id))
        {
            throw new ArgumentException($"The new-id function returned '{id}', which is already used by another section.", nameof(newId));
        }
        return id;
    }
}
