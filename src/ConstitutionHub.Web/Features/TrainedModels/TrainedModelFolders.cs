using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.TrainedModels;
using ConstitutionHub.Inference;
using ConstitutionHub.Inference.Models;

namespace ConstitutionHub.Web.Features.TrainedModels;

/// <summary>
/// The local model folders a registration or a download may use: only a folder the catalog lists as a working local
/// model, opened again from the configured models folder with the catalog's checks (no links, size caps, external data
/// inside the folder), so what is registered or sent is what those checks passed just now.
/// </summary>
public sealed class TrainedModelFolders(IModelCatalog catalog, InferenceOptions options)
{
    private readonly ModelFolderLimits limits = new();

    /// <summary>The folder's checked facts for a registration; a 400 naming the problem otherwise.</summary>
    public async Task<CatalogFolder> CheckAsync(string? folderId)
    {
        var entry = catalog.Models.FirstOrDefault(m => m.Id == folderId && m.Endpoint is null);
        if (entry is null)
            throw new ValidationException("folder", $"No model folder '{folderId}' in the catalog (the folders under the models directory, found at start).");
        if (entry.Error is not null) throw new ValidationException("folder", $"The catalog cannot use '{folderId}': {entry.Error}");
        var folder = await OpenAsync(entry.Id) ?? throw new ValidationException("folder", $"'{folderId}' is not a model folder of the models directory.");
        if (folder.WeightsSha256 != entry.WeightsSha256)
            throw new ValidationException("folder", $"The weights of '{folderId}' changed since the catalog read them; restart to scan them again.");
        return new CatalogFolder(entry.Id, entry.DisplayName, entry.Architecture, entry.ParameterCount, entry.ContextLength, entry.WeightsSha256);
    }

    /// <summary>The folder checked again, or null when it is gone or fails a check.</summary>
    public Task<ModelFolder?> OpenAsync(string folderId)
    {
        // The id is a catalog folder name: one path segment, never a way out of the models directory.
        if (folderId.Length == 0 || folderId.Contains('/') || folderId.Contains('\\') || folderId is "." or "..") return Task.FromResult<ModelFolder?>(null);
        var path = Path.Combine(Path.GetFullPath(options.ModelsPath), folderId);
        return Task.Run(() =>
        {
            try
            {
                return (ModelFolder?)ModelFolder.Open(path, limits);
            }
            catch (Exception e) when (e is ModelFolderException or IOException or UnauthorizedAccessException or InvalidDataException)
            {
                return null;
            }
        });
    }
}
