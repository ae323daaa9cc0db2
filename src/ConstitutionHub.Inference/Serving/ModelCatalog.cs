using System.Text.RegularExpressions;
using ConstitutionHub.Inference.Remote;
using Microsoft.Extensions.AI;

namespace ConstitutionHub.Inference.Serving;

/// <summary>
/// The models found at start: local ones from the scanner (when the local engine is present) and remote ones
/// from configuration, every one an <see cref="IChatClient"/> behind the one shared <see cref="GenerationScheduler"/>,
/// so the per-user limit counts across all of them. A broken entry keeps its place with an error and never stops the
/// others.
/// </summary>
public sealed partial class ModelCatalog : IModelCatalog
{
    private readonly Dictionary<string, IChatClient> runnable = new(StringComparer.Ordinal);

    public ModelCatalog(InferenceOptions options, GenerationScheduler scheduler, ILocalModelScanner? scanner = null,
        Func<RemoteModelOptions, ModelInfo, IChatClient>? remoteFactory = null)
    {
        remoteFactory ??= (remote, info) => RemoteChatClient.Create(remote, info);
        var found = new List<(ModelInfo Info, IChatClient? Client)>();
        if (scanner is not null) found.AddRange(scanner.Scan(options).Select(m => (m.Info, m.Model is null ? null : (IChatClient?)new ChatModelClient(m.Model))));
        for (var i = 0; i < options.Remote.Count; i++) found.Add(Remote(options.Remote[i], i, remoteFactory));

        var models = new List<ModelInfo>();
        foreach (var (info, model) in found)
        {
            if (runnable.ContainsKey(info.Id) || models.Any(m => m.Id == info.Id))
            {
                models.Add(info with { Error = $"Another model already uses the id '{info.Id}'; rename one of them (folder name or {InferenceOptions.Section}:Remote:N:Id)." });
                continue;
            }
            if (info.IsAvailable && model is null)
            {
                models.Add(info with { Error = "The model was found but could not be loaded." });
                continue;
            }
            models.Add(info);
            if (info.IsAvailable) runnable[info.Id] = new ScheduledChatClient(model!, info, scheduler);
        }
        Models = models;
        DefaultModelId = models.FirstOrDefault(m => m.IsAvailable && m.IsDemo)?.Id ?? models.FirstOrDefault(m => m.IsAvailable)?.Id;
    }

    public IReadOnlyList<ModelInfo> Models { get; }
    public string? DefaultModelId { get; }

    public IChatClient? Find(string id) => runnable.GetValueOrDefault(id);

    /// <summary>Letters, digits and . _ - : / (OpenAI-style names such as org/model:tag), at most 128 characters.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:/\-]{0,127}$")]
    private static partial Regex IdPattern();

    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    /// <summary>Null when the settings are usable, else what is wrong, naming the setting.</summary>
    public static string? ValidateRemote(RemoteModelOptions remote, int index)
    {
        var at = $"{InferenceOptions.Section}:Remote:{index}";
        if (!IsValidId(remote.Id ?? ""))
            return $"{at}:Id must be 1 to 128 letters, digits or . _ - : / starting with a letter or digit (got '{remote.Id}').";
        if (!Uri.TryCreate(remote.Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            return $"{at}:Endpoint must be an absolute http(s) address such as http://gpu-worker:8000/v1 (got '{remote.Endpoint}').";
        if (remote.RemoteModel is { Length: 0 or > 256 })
            return $"{at}:RemoteModel must be 1 to 256 characters when set.";
        if (remote.ContextLength < 1)
            return $"{at}:ContextLength must be at least 1 (got {remote.ContextLength}).";
        return null;
    }

    private static (ModelInfo, IChatClient?) Remote(RemoteModelOptions remote, int index, Func<RemoteModelOptions, ModelInfo, IChatClient> factory)
    {
        var error = ValidateRemote(remote, index);
        var id = IsValidId(remote.Id ?? "") ? remote.Id! : $"remote-{index}";
        var name = string.IsNullOrEmpty(remote.RemoteModel) ? id : remote.RemoteModel;
        var host = Uri.TryCreate(remote.Endpoint, UriKind.Absolute, out var uri) ? uri.Authority : remote.Endpoint;
        var info = new ModelInfo(id, $"{name} at {host}", "remote", 0, Math.Max(remote.ContextLength, 0), "", "remote", IsDemo: false, error,
            Endpoint: remote.Endpoint, RemoteModel: name);
        if (error is not null) return (info, null);
        try
        {
            return (info, factory(remote, info));
        }
        catch (Exception e) when (e is ArgumentException or UriFormatException or InvalidOperationException)
        {
            return (info with { Error = $"{InferenceOptions.Section}:Remote:{index}: {e.Message}" }, null);
        }
    }
}
