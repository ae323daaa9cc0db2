using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;

namespace ConstitutionHub.Core.Chats;

/// <summary>
/// Who may see and write one chat. A chat is as visible as the constitution it tests (the chat list of a
/// constitution is part of its page); its owner always sees it. Only the owner writes in it (see
/// <see cref="ChatCommands"/>). Share links open a chat to anyone with the token, through <c>ShareLinks.OpenAsync</c>.
/// </summary>
public static class ChatAccess
{
    public static bool CanRead(ChatRow chat, ConstitutionRow? constitution, Actor? viewer) =>
        (viewer is not null && viewer.Id == chat.OwnerId) || (constitution is not null && DocumentAccess.CanRead(constitution, viewer));

    public static bool CanWrite(ChatRow chat, Actor? viewer) => viewer is not null && viewer.Id == chat.OwnerId;

    /// <summary>A chat the viewer may not see answers like a missing one, so its existence does not leak.</summary>
    public static ChatRow EnsureRead(ChatRow? chat, ConstitutionRow? constitution, Actor? viewer) =>
        chat is not null && CanRead(chat, constitution, viewer) ? chat : throw new NotFoundException("No such chat.");
}
