namespace ConstitutionHub.Core.TrainedModels;

/// <summary>A constitution revision an export's outputs were generated under.</summary>
public sealed record TrainedRevision(Guid ConstitutionId, int Revision);

/// <summary>
/// A model folder of the catalog was registered as trained from an export. The folder's facts (weights hash,
/// architecture, parameters) are those the catalog checked at registration; the lineage is the export's own record, not
/// what the registrant typed. Who registered it and when are the event's metadata.
/// </summary>
public sealed record TrainedModelRegistered(
    Guid ModelId, string FolderId, string Name, string WeightsSha256, string Architecture, long ParameterCount, int ContextLength,
    string BaseModel, string ExportId, string ExportFormat, Guid ExperimentId, IReadOnlyList<TrainedRevision> Revisions, string Description);

/// <summary>A registration's words were corrected by one of the model's managers; the folder's facts and the lineage stay as registered.</summary>
public sealed record TrainedModelDetailsChanged(Guid ModelId, string Name, string BaseModel, string Description);

/// <summary>
/// A registration was withdrawn by one of the model's managers: its lineage claim no longer stands and its download links
/// end. The card stays readable (chats and experiments may name the model); the same weights may be registered again.
/// </summary>
public sealed record TrainedModelWithdrawn(Guid ModelId, string Reason);

/// <summary>A download link for a registered model's folder. Only the SHA-256 of its token is kept.</summary>
public sealed record ModelDownloadLinkCreated(Guid LinkId, Guid ModelId, byte[] TokenHash, DateTimeOffset? Expires);

public sealed record ModelDownloadLinkRevoked(Guid LinkId);

public static class TrainedModelStream
{
    public static string Id(Guid modelId) => $"trained-model-{modelId:N}";

    public static string LinkId(Guid linkId) => $"model-download-{linkId:N}";

    public static readonly IReadOnlyList<(Type Type, string Alias)> Events =
    [
        (typeof(TrainedModelRegistered), "trained_model_registered"),
        (typeof(TrainedModelDetailsChanged), "trained_model_details_changed"),
        (typeof(TrainedModelWithdrawn), "trained_model_withdrawn"),
        (typeof(ModelDownloadLinkCreated), "model_download_link_created"),
        (typeof(ModelDownloadLinkRevoked), "model_download_link_revoked"),
    ];
}
