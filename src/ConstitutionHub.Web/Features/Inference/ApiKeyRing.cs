using System.Security.Cryptography;
using System.Text;

namespace ConstitutionHub.Web.Features.Inference;

/// <summary>
/// The API keys of the /v1 surface, from configuration (<c>Inference:ApiKeys:&lt;name&gt; = &lt;key&gt;</c>, e.g. the
/// environment variable <c>Inference__ApiKeys__ci=...</c>); never from the repository. Only SHA-256 digests are
/// kept, and a presented key is compared against every one in constant time, so neither timing nor an early exit
/// tells which key or how much of it matched.
/// </summary>
public sealed class ApiKeyRing
{
    public const string Section = "Inference:ApiKeys";
    public const int MinKeyLength = 16;
    private readonly List<(string Name, byte[] Digest)> keys;

    private ApiKeyRing(List<(string Name, byte[] Digest)> keys) => this.keys = keys;

    public int Count => keys.Count;

    public static ApiKeyRing From(IConfigurationSection section)
    {
        var keys = new List<(string, byte[])>();
        foreach (var child in section.GetChildren())
        {
            var key = child.Value ?? "";
            if (key.Length < MinKeyLength)
                throw new InvalidOperationException($"{Section}:{child.Key} must be at least {MinKeyLength} characters long.");
            keys.Add((child.Key, Digest(key)));
        }
        return new ApiKeyRing(keys);
    }

    /// <summary>The name of the key, or null when it matches none.</summary>
    public string? Match(string presented)
    {
        var digest = Digest(presented);
        string? name = null;
        foreach (var (keyName, keyDigest) in keys)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, keyDigest)) name ??= keyName;
        }
        return name;
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
