using ConstitutionHub.Inference.Models;
using ConstitutionHub.Inference.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace ConstitutionHub.Inference.Generation;

/// <summary>
/// Finds the local models: every sub-folder of <see cref="InferenceOptions.ModelsPath"/> is checked, opened in an
/// ONNX Runtime session and inspected. A folder that fails keeps a catalog entry whose <see cref="ModelInfo.Error"/>
/// says why; it never stops the other folders from loading.
/// </summary>
public sealed class OnnxModelScanner(ModelFolderLimits? limits = null) : ILocalModelScanner
{
    private readonly ModelFolderLimits limits = limits ?? new ModelFolderLimits();

    public IReadOnlyList<LoadedModel> Scan(InferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string root = Path.GetFullPath(options.ModelsPath);
        if (!Directory.Exists(root)) return [];
        var folders = Directory.GetDirectories(root).Order(StringComparer.Ordinal).ToList();
        if (folders.Count == 0) return [];

        string? runtimeError = null;
        try
        {
            _ = OrtRuntime.Env;
        }
        catch (InferenceException e)
        {
            runtimeError = e.Message;
        }
        var settings = SessionSettings.From(options);
        return folders.Select(folder => runtimeError is not null ? Broken(folder, runtimeError) : Load(folder, settings)).ToList();
    }

    /// <summary>Loads one model folder; every failure becomes an entry with an error.</summary>
    public LoadedModel Load(string folder, InferenceOptions options)
    {
        try
        {
            return Load(folder, SessionSettings.From(options));
        }
        catch (InferenceException e)
        {
            return Broken(folder, e.Message);
        }
    }

    private LoadedModel Load(string folder, SessionSettings settings)
    {
        try
        {
            var model = LocalChatModel.Open(ModelFolder.Open(folder, this.limits), settings);
            return new LoadedModel(model.Info, model);
        }
        catch (Exception e) when (e is ModelFolderException or InvalidDataException or InferenceException or IOException or UnauthorizedAccessException or OnnxRuntimeException)
        {
            return Broken(folder, e.Message);
        }
    }

    private static LoadedModel Broken(string folder, string error)
    {
        string id = Path.GetFileName(Path.GetFullPath(folder));
        return new LoadedModel(new ModelInfo(id, id, "", 0, 0, "", "", IsDemo: false, Error: error), null);
    }
}
