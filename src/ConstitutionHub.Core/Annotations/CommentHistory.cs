namespace ConstitutionHub.Core.Annotations;

/// <summary>One text a comment has had: <see cref="Number"/> 1 is as first written, the highest is the current text;
/// who wrote that version and when.</summary>
public sealed record CommentVersion(int Number, string ByName, DateTimeOffset At, string Body);

/// <summary>An edit as stored: the text it replaced, when, and who edited (null on rows from before that was kept).</summary>
public sealed record CommentEditRow(long Version, string ReplacedBody, DateTimeOffset EditedAt, string? EditedByName);

public static class CommentHistory
{
    /// <summary>
    /// The versions of a comment, oldest first, from its current text and its edits in stream order. Each edit stored
    /// the text it replaced, so version k's text is what edit k replaced, and version k+1 was written by edit k's
    /// author at its time; the first version is the comment's author's at its creation.
    /// </summary>
    public static IReadOnlyList<CommentVersion> Versions(string authorName, DateTimeOffset created, string currentBody, IReadOnlyList<CommentEditRow> edits)
    {
        var ordered = edits.OrderBy(e => e.Version).ToArray();
        var versions = new List<CommentVersion>(ordered.Length + 1);
        var (by, at) = (authorName, created);
        for (var i = 0; i < ordered.Length; i++)
        {
            versions.Add(new CommentVersion(i + 1, by, at, ordered[i].ReplacedBody));
            (by, at) = (ordered[i].EditedByName ?? authorName, ordered[i].EditedAt);
        }
        versions.Add(new CommentVersion(ordered.Length + 1, by, at, currentBody));
        return versions;
    }
}
