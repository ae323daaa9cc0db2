using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ConstitutionHub.Web.Infrastructure.Nodes;

/// <summary>Something one web node tells the others. <paramref name="Node"/> is the sender (<see cref="NodeIdentity"/>).</summary>
public abstract record NodeMessage(string Node)
{
    /// <summary>Null when the message is well formed; otherwise why not. Everything heard is checked: any client of
    /// the database can notify on any channel.</summary>
    public virtual string? Problem() =>
        string.IsNullOrWhiteSpace(Node) || Node.Length > NodeIdentity.MaxLength ? "node name missing or too long" : null;
}

/// <summary>A PostgreSQL notification channel between web nodes, untyped: what <see cref="NodeBus"/> listens on.</summary>
public abstract partial class NodeChannel
{
    protected NodeChannel(string name)
    {
        // LISTEN takes an identifier, not a parameter: only plain lower-case names are accepted.
        if (!PlainName().IsMatch(name)) throw new ArgumentException($"'{name}' is not a plain channel name.", nameof(name));
        Name = name;
    }

    public string Name { get; }

    internal abstract NodeRoute CreateRoute();

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex PlainName();
}

/// <summary>
/// A channel carrying one kind of <see cref="NodeMessage"/> as JSON (a polymorphic base type may carry several, with
/// a "type" discriminator). Messages are checked on the way out (a malformed one is a bug: it throws) and on the way
/// in (a malformed one is ignored with the reason).
/// </summary>
public sealed class NodeChannel<T>(string name) : NodeChannel(name) where T : NodeMessage
{
    /// <summary>Well under PostgreSQL's 8000 bytes, with room for the escaping NOTIFY adds.</summary>
    public const int MaxPayloadBytes = 7000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // A discriminator may come anywhere in a payload another program wrote.
        AllowOutOfOrderMetadataProperties = true,
    };

    internal override NodeRoute CreateRoute() => new NodeRoute<T>(this);

    public string Serialize(T message)
    {
        if (message.Problem() is { } problem) throw new ArgumentException($"A malformed message for {Name}: {problem}.", nameof(message));
        var payload = JsonSerializer.Serialize(message, Json);
        if (Encoding.UTF8.GetByteCount(payload) > MaxPayloadBytes)
            throw new ArgumentException($"A message for {Name} of more than {MaxPayloadBytes} bytes.", nameof(message));
        return payload;
    }

    /// <summary>The message in a payload, or null with the reason it is not one this app accepts.</summary>
    public T? Parse(string payload, out string? problem)
    {
        if (Encoding.UTF8.GetByteCount(payload) > MaxPayloadBytes)
        {
            problem = "payload too large";
            return null;
        }
        try
        {
            var message = JsonSerializer.Deserialize<T>(payload, Json);
            problem = message is null ? "empty payload" : message.Problem();
            return problem is null ? message : null;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            problem = e.Message;
            return null;
        }
    }
}

/// <summary>One channel's parsing and its subscribers, inside <see cref="NodeBus"/>.</summary>
internal abstract class NodeRoute
{
    /// <summary>Parses once and hands the message to every subscriber; the reason when it was refused.</summary>
    public abstract string? Deliver(string payload, string self, ILogger logger);
}

internal sealed class NodeRoute<T>(NodeChannel<T> channel) : NodeRoute where T : NodeMessage
{
    public NodeChannel<T> Channel { get; } = channel;
    public System.Collections.Immutable.ImmutableArray<Action<T>> Handlers { get; set; } = [];

    public override string? Deliver(string payload, string self, ILogger logger)
    {
        var message = Channel.Parse(payload, out var problem);
        if (message is null) return problem;
        // A node acted locally before telling the others.
        if (message.Node == self) return null;
        foreach (var handler in Handlers)
        {
            try { handler(message); }
            catch (Exception e) { logger.LogWarning(e, "A subscriber of channel {Channel} failed on a {Type}", Channel.Name, message.GetType().Name); }
        }
        return null;
    }
}
