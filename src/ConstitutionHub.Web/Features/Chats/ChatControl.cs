using System.Text.Json.Serialization;
using ConstitutionHub.Web.Infrastructure.Nodes;

namespace ConstitutionHub.Web.Features.Chats;

/// <summary>What web nodes sharing a database tell each other about running replies, on <see cref="ChatControl.Channel"/>.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(StopSignal), "stop")]
[JsonDerivedType(typeof(ProgressSignal), "progress")]
public abstract record ChatSignal(string Node) : NodeMessage(Node);

/// <summary>The chat's owner asked, on the sending node, to stop a reply that <paramref name="Target"/> is writing.
/// The sender has already checked the owner; the target checks only that it runs this reply of this chat.</summary>
public sealed record StopSignal(string Node, Guid ChatId, Guid ReplyId, string Target) : ChatSignal(Node)
{
    public override string? Problem() => base.Problem()
        ?? (ChatId == Guid.Empty || ReplyId == Guid.Empty ? "chat or reply id missing" : null)
        ?? (string.IsNullOrWhiteSpace(Target) || Target.Length > NodeIdentity.MaxLength ? "target node missing or too long" : null);
}

/// <summary>A reply the sending node runs waits behind <paramref name="QueuePosition"/> others; null or 0: it no
/// longer waits (it generates, or it ended).</summary>
public sealed record ProgressSignal(string Node, Guid ChatId, Guid ReplyId, int? QueuePosition) : ChatSignal(Node)
{
    public override string? Problem() => base.Problem()
        ?? (ChatId == Guid.Empty || ReplyId == Guid.Empty ? "chat or reply id missing" : null)
        ?? (QueuePosition is < 0 or > 1_000_000 ? "queue position out of range" : null);
}

/// <summary>
/// The chat features' line between web nodes, on the <see cref="NodeBus"/>: stop requests and queue positions of
/// replies (who watches a chat travels as <see cref="NodePresence"/>, topic <see cref="PresenceTopic"/>). A queue
/// position is repeated every heartbeat, and a stop the owner can ask for again.
/// </summary>
public static class ChatControl
{
    public static readonly NodeChannel<ChatSignal> Channel = new("hub_chat_control");

    /// <summary>The presence topic of a chat's page: its stream id.</summary>
    public static string PresenceTopic(Guid chatId) => Core.Chats.ChatStream.Id(chatId);
}
