using System.Text.RegularExpressions;
using ConstitutionHub.Core.Documents;

namespace ConstitutionHub.Core.Annotations;

/// <summary>Parses and normalises what people paste as evidence links.</summary>
public static partial class EvidenceTargets
{
    /// <summary>A chat (and message) from a chat page link <c>/chats/{chatId}[#m-{messageId}]</c>, or
    /// <c>{chatId}[/{messageId}]</c>.</summary>
    public static (Guid ChatId, Guid? MessageId) Chat(string target)
    {
        var match = ChatPattern().Match(target);
        if (!match.Success || !Guid.TryParse(match.Groups["chat"].Value, out var chat))
            throw new ValidationException("target", "Link a chat: its address, or its id (and a message id).");
        return (chat, match.Groups["message"].Success && Guid.TryParse(match.Groups["message"].Value, out var m) ? m : null);
    }

    public static string ChatPath(Guid chatId, Guid? messageId) =>
        $"/chats/{chatId:D}" + (messageId is { } m ? $"#m-{m:D}" : "");

    /// <summary>An http(s) address outside the app; anything else (javascript:, data:) is refused.</summary>
    public static string Url(string target) =>
        Uri.TryCreate(target, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" && !string.IsNullOrEmpty(uri.Host)
            ? uri.AbsoluteUri
            : throw new ValidationException("target", "An external link is an http or https address.");

    /// <summary>A share page path <c>/s/{token}</c>; the token is public by design, so it is stored as the link.</summary>
    public static string Share(string target)
    {
        var match = SharePattern().Match(target);
        return match.Success ? $"/s/{match.Groups[1].Value}" : throw new ValidationException("target", "A share link looks like /s/{token}.");
    }

    /// <summary><c>experiment:{id}[/run/{runId}]</c>: ids are letters, digits and hyphens.</summary>
    public static string Experiment(string target) =>
        ExperimentPattern().IsMatch(target) ? target : throw new ValidationException("target", "An experiment result is experiment:{id} or experiment:{id}/run/{runId}.");

    [GeneratedRegex(@"(?:^|/chats/)(?<chat>[0-9a-fA-F-]{32,36})(?:(?:#m-|/)(?<message>[0-9a-fA-F-]{32,36}))?$")]
    private static partial Regex ChatPattern();

    [GeneratedRegex(@"(?:^|/)s/([A-Za-z0-9_-]{16,128})$")]
    private static partial Regex SharePattern();

    [GeneratedRegex(@"^experiment:[A-Za-z0-9-]{1,64}(/run/[A-Za-z0-9-]{1,64})?$")]
    private static partial Regex ExperimentPattern();
}
