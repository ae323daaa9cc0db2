using System.Text;
using System.Text.RegularExpressions;

namespace ConstitutionHub.Core.Documents;

/// <summary>A request the rules refuse; <see cref="Field"/> names the input to fix.</summary>
public sealed class ValidationException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

public sealed class NotFoundException(string message) : Exception(message);

public sealed class ForbiddenException(string message) : Exception(message);

/// <summary>The request contradicts the current state (already a member, an invitation already pending): a 409.</summary>
public sealed class ConflictException(string message) : Exception(message);

/// <summary>Limits and formats that every way in (page, API, import) shares.</summary>
public static partial class DocumentRules
{
    public const int MaxMarkdownBytes = 1024 * 1024;
    public const int MaxTitleLength = 120;
    public const int MaxSummaryLength = 500;
    public const int MaxEditSummaryLength = 300;
    public const string LatestLabel = "latest";

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]
    private static partial Regex SlugPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,39}$")]
    private static partial Regex LabelPattern();

    public static string Slug(string? slug)
    {
        slug = slug?.Trim() ?? "";
        if (!SlugPattern().IsMatch(slug))
            throw new ValidationException("slug", "A slug is 1 to 64 lowercase letters, digits and inner hyphens, such as 'helpful-honest'.");
        return slug;
    }

    public static string Title(string? title)
    {
        title = title?.Trim() ?? "";
        if (title.Length == 0) throw new ValidationException("title", "A title is required.");
        if (title.Length > MaxTitleLength) throw new ValidationException("title", $"A title has at most {MaxTitleLength} characters.");
        if (title.Any(char.IsControl)) throw new ValidationException("title", "A title cannot contain control characters.");
        return title;
    }

    public static string Summary(string? summary, string field = "summary", int max = MaxSummaryLength)
    {
        summary = (summary ?? "").Trim();
        if (summary.Length > max) throw new ValidationException(field, $"At most {max} characters.");
        if (summary.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
            throw new ValidationException(field, "Control characters are not allowed.");
        return summary;
    }

    public static string Markdown(string? markdown)
    {
        markdown ??= "";
        var bytes = Encoding.UTF8.GetByteCount(markdown);
        if (bytes > MaxMarkdownBytes)
            throw new ValidationException("markdown", $"The document is {bytes:N0} bytes; the limit is {MaxMarkdownBytes:N0} bytes (1 MiB).");
        if (markdown.Contains('\0', StringComparison.Ordinal))
            throw new ValidationException("markdown", "The document contains a NUL character.");
        // One line ending everywhere, so diffs and hashes do not depend on the writer's platform.
        return markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
    }

    public static string Label(string? label)
    {
        label = label?.Trim().ToLowerInvariant() ?? "";
        if (!LabelPattern().IsMatch(label))
            throw new ValidationException("label", "A label is 1 to 40 lowercase letters, digits and hyphens, such as 'published'.");
        if (label == LatestLabel)
            throw new ValidationException("label", "'latest' always points at the newest revision and cannot be moved by hand.");
        return label;
    }

    /// <summary>A slug derived from a title, for the create form's suggestion.</summary>
    public static string SuggestSlug(string title)
    {
        var sb = new StringBuilder();
        foreach (var c in title.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c)) sb.Append(c);
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
            if (sb.Length >= 64) break;
        }
        return sb.ToString().Trim('-');
    }
}
