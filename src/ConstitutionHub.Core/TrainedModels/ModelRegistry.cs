using System.Text.Json;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Core.Streams;
using Npgsql;

namespace ConstitutionHub.Core.TrainedModels;

/// <summary>What the model catalog checked about a local model folder (links refused, sizes capped, weights hashed).</summary>
public sealed record CatalogFolder(string FolderId, string DisplayName, string Architecture, long ParameterCount, int ContextLength, string WeightsSha256);

/// <summary>A registration as a person asks for it; the lineage beyond the export id comes from the export's record.</summary>
/// <param name="ExperimentId">Optional: when given, it must be the export's experiment.</param>
public sealed record RegisterTrainedModel(string? Name, string? BaseModel, string? ExportId, Guid? ExperimentId, string? Description);

/// <summary>New words for a registration; <paramref name="Version"/>, when given, is the version they were written against.</summary>
public sealed record ChangeTrainedModel(string? Name, string? BaseModel, string? Description, long? Version);

/// <summary>When, by whom and why a registration was withdrawn.</summary>
public sealed record Withdrawal(DateTimeOffset At, string ByName, string Reason);

public sealed record TrainedModelRow(
    Guid Id, string FolderId, string Name, string WeightsSha256, string Architecture, long ParameterCount, int ContextLength, string BaseModel,
    string ExportId, string ExportFormat, Guid ExperimentId, IReadOnlyList<TrainedRevision> Revisions, string Description,
    DateTimeOffset Registered, string RegisteredById, string RegisteredByName, long Version, Withdrawal? Withdrawn);

/// <summary>A download link as the model's managers see it (never with the token: it is not stored).</summary>
public sealed record DownloadLinkRow(Guid Id, Guid ModelId, DateTimeOffset? Expires, DateTimeOffset Created, string CreatedByName,
    DateTimeOffset? Revoked, ShareState State);

/// <summary>A new link; <paramref name="Token"/> is shown once, to put in the URL.</summary>
public sealed record CreatedDownloadLink(string Token, DownloadLinkRow Link);

/// <summary>
/// Models trained from an export, a stream each (<see cref="TrainedModelStream"/>), and revocable download links for their
/// folders with the share links' token scheme (256 random bits, only the SHA-256 kept; unknown, revoked and expired alike).
/// Registering needs a site admin or the owner of the export's experiment: the folder is on the server already (an
/// operator put it there), and the lineage claims that experiment's data. Download links are managed by admins, the
/// person who registered the model and the experiment's owner; they may also correct its words and withdraw it.
/// </summary>
public sealed class ModelRegistry(EventStreams streams, NpgsqlDataSource dataSource, TrainingExportLog exports, ExperimentQueries experiments,
    TimeProvider? clock = null)
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 20_000;
    public const int MaxReasonLength = 2_000;
    private readonly TimeProvider time = clock ?? TimeProvider.System;

    private const string ModelColumns = """
        id, folder_id, name, weights_sha256, architecture, parameter_count, context_length, base_model, export_id, export_format, experiment_id,
        revisions::text, description, registered, registered_by_id, registered_by_name, coalesce(version, 1), withdrawn, withdrawn_by_name,
        withdrawn_reason
        """;

    public async Task<TrainedModelRow> RegisterAsync(Actor actor, CatalogFolder folder, RegisterTrainedModel command, CancellationToken ct = default)
    {
        var (name, baseModel, description) = CheckWords(command.Name, command.BaseModel, command.Description, folder.DisplayName);
        if (!TrainingExportLog.LooksLikeId(command.ExportId))
            throw new ValidationException("exportId", "exportId is the SHA-256 of the export file: 64 lowercase hex digits (the X-Export-Id of its download).");
        var export = await exports.FindAsync(command.ExportId, ct)
            ?? throw new ValidationException("exportId", "No export with that id was downloaded from this hub.");
        if (command.ExperimentId is { } claimed && claimed != export.Facts.ExperimentId)
            throw new ValidationException("experimentId", "That export is from another experiment.");
        var experiment = await experiments.ExperimentAsync(export.Facts.ExperimentId, ct)
            ?? throw new ValidationException("experimentId", "The export's experiment no longer exists.");
        if (!actor.IsAdmin && experiment.OwnerId != actor.Id)
            throw new ForbiddenException("Only a site admin or the owner of the export's experiment can register a model trained on it.");
        if (await FindByFolderAsync(folder.FolderId, folder.WeightsSha256, ct) is { } existing)
            throw new ValidationException("folder", $"These weights of {folder.FolderId} are registered already (as \"{existing.Name}\").");

        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        var revisions = export.Facts.Arms.Select(a => new TrainedRevision(a.ConstitutionId, a.Revision)).Distinct().ToList();
        var registered = new TrainedModelRegistered(id, folder.FolderId, name, folder.WeightsSha256, folder.Architecture, folder.ParameterCount,
            folder.ContextLength, baseModel, export.Facts.ExportId, export.Facts.Format, export.Facts.ExperimentId, revisions, description);
        await streams.AppendAsync(TrainedModelStream.Id(id), ExpectedVersion.NoStream, [new NewEvent(Guid.NewGuid(), registered)],
            new EventMetadata(actor.Id, actor.Name, now, Guid.NewGuid()), ct);
        return (await FindAsync(id, ct))!;
    }

    /// <summary>
    /// Corrects a registration's name, base model and description (an empty name keeps the current one). With a
    /// <see cref="ChangeTrainedModel.Version"/> that is no longer the model's, nothing changes and the caller learns who
    /// changed it since; a withdrawn registration is not edited.
    /// </summary>
    public async Task<TrainedModelRow> ChangeAsync(Actor actor, Guid modelId, ChangeTrainedModel command, CancellationToken ct = default)
    {
        var model = await ManagedAsync(actor, modelId, "change", ct);
        if (model.Withdrawn is not null) throw new ConflictException("This registration was withdrawn; register the folder again to describe it anew.");
        var (name, baseModel, description) = CheckWords(command.Name, command.BaseModel, command.Description, model.Name);
        if (command.Version is { } seen && seen != model.Version) throw Stale(model);
        if (name == model.Name && baseModel == model.BaseModel && description == model.Description) return model;
        await AppendAsync(actor, model, new TrainedModelDetailsChanged(model.Id, name, baseModel, description), ct);
        return (await FindAsync(model.Id, ct))!;
    }

    /// <summary>
    /// Withdraws a registration: the lineage no longer stands, every download link of it ends at once (they resolve to
    /// nothing, like revoked ones), and the same weights may be registered again. Withdrawing twice is harmless.
    /// </summary>
    public async Task<TrainedModelRow> WithdrawAsync(Actor actor, Guid modelId, string? reason, CancellationToken ct = default)
    {
        var why = (reason ?? "").Trim();
        if (why.Length > MaxReasonLength) throw new ValidationException("reason", $"The reason is at most {MaxReasonLength:N0} characters.");
        var model = await ManagedAsync(actor, modelId, "withdraw", ct);
        if (model.Withdrawn is not null) return model;
        try
        {
            await AppendAsync(actor, model, new TrainedModelWithdrawn(model.Id, why), ct);
        }
        catch (ConflictException)
        {
            // Changed or withdrawn at the same moment by another manager: a withdrawal does not depend on the words.
            model = (await FindAsync(model.Id, ct))!;
            if (model.Withdrawn is not null) return model;
            await AppendAsync(actor, model, new TrainedModelWithdrawn(model.Id, why), ct);
        }
        return (await FindAsync(model.Id, ct))!;
    }

    private async Task<TrainedModelRow> ManagedAsync(Actor actor, Guid modelId, string what, CancellationToken ct)
    {
        var model = await FindAsync(modelId, ct) ?? throw new NotFoundException("No such model.");
        if (!await CanManageAsync(actor, model, ct))
            throw new ForbiddenException($"Only a site admin, the person who registered the model or the experiment's owner can {what} its registration.");
        return model;
    }

    /// <summary>Appends at the version the row was read at: a change made meanwhile makes this one a conflict, not an overwrite.</summary>
    private async Task AppendAsync(Actor actor, TrainedModelRow model, object change, CancellationToken ct)
    {
        try
        {
            await streams.AppendAsync(TrainedModelStream.Id(model.Id), model.Version, [new NewEvent(Guid.NewGuid(), change)],
                new EventMetadata(actor.Id, actor.Name, time.GetUtcNow(), Guid.NewGuid()), ct);
        }
        catch (WrongExpectedVersionException)
        {
            throw Stale((await FindAsync(model.Id, ct))!);
        }
    }

    private static ConflictException Stale(TrainedModelRow now) => new(now.Withdrawn is { } w
        ? $"The registration was withdrawn meanwhile by {w.ByName}."
        : $"The registration was changed meanwhile (it is now at version {now.Version}); reload it and apply your change again.");

    /// <summary>A registration's words, checked as registering and editing both need them; an empty name becomes <paramref name="fallbackName"/>.</summary>
    private static (string Name, string BaseModel, string Description) CheckWords(string? name, string? baseModel, string? description, string fallbackName)
    {
        var n = (name ?? "").Trim();
        if (n.Length == 0) n = fallbackName;
        if (n.Length > MaxNameLength) throw new ValidationException("name", $"The name is at most {MaxNameLength} characters.");
        var b = (baseModel ?? "").Trim();
        if (b.Length is 0 or > MaxNameLength)
            throw new ValidationException("baseModel", $"Name the base model the training started from (1 to {MaxNameLength} characters).");
        var d = description ?? "";
        if (d.Length > MaxDescriptionLength)
            throw new ValidationException("description", $"The description is at most {MaxDescriptionLength:N0} characters.");
        try
        {
            MarkdownRenderer.RenderHtml(d);
        }
        catch (MarkdownTooComplexException e)
        {
            throw new ValidationException("description", e.Message);
        }
        return (n, b, d);
    }

    /// <summary>Whether <paramref name="actor"/> may create and revoke the model's download links.</summary>
    public async Task<bool> CanManageAsync(Actor? actor, TrainedModelRow model, CancellationToken ct = default)
    {
        if (actor is null) return false;
        if (actor.IsAdmin || actor.Id == model.RegisteredById) return true;
        return (await experiments.ExperimentAsync(model.ExperimentId, ct))?.OwnerId == actor.Id;
    }

    public async Task<CreatedDownloadLink> CreateLinkAsync(Actor actor, Guid modelId, DateTimeOffset? expires = null, CancellationToken ct = default)
    {
        var model = await FindAsync(modelId, ct) ?? throw new NotFoundException("No such model.");
        if (!await CanManageAsync(actor, model, ct))
            throw new ForbiddenException("Only a site admin, the person who registered the model or the experiment's owner can make download links.");
        var now = time.GetUtcNow();
        ShareLinks.CheckExpiry(expires, now);
        var token = ShareLinks.NewToken();
        var linkId = Guid.CreateVersion7(now);
        await streams.AppendAsync(TrainedModelStream.LinkId(linkId), ExpectedVersion.NoStream,
            [new NewEvent(Guid.NewGuid(), new ModelDownloadLinkCreated(linkId, modelId, ShareLinks.Hash(token), expires))],
            new EventMetadata(actor.Id, actor.Name, now, Guid.NewGuid()), ct);
        return new CreatedDownloadLink(token, (await ReadLinksAsync("id = @id", linkId, ct)).Single());
    }

    /// <summary>Ends a link at once; revoking twice is harmless.</summary>
    public async Task RevokeLinkAsync(Actor actor, Guid modelId, Guid linkId, CancellationToken ct = default)
    {
        var model = await FindAsync(modelId, ct) ?? throw new NotFoundException("No such model.");
        var link = (await ReadLinksAsync("id = @id", linkId, ct)).SingleOrDefault(l => l.ModelId == modelId)
            ?? throw new NotFoundException("No such download link.");
        if (!await CanManageAsync(actor, model, ct)) throw new ForbiddenException("You cannot revoke this model's links.");
        if (link.Revoked is not null) return;
        try
        {
            await streams.AppendAsync(TrainedModelStream.LinkId(linkId), 1, [new NewEvent(Guid.NewGuid(), new ModelDownloadLinkRevoked(linkId))],
                new EventMetadata(actor.Id, actor.Name, time.GetUtcNow(), Guid.NewGuid()), ct);
        }
        catch (WrongExpectedVersionException)
        {
            // Revoked at the same moment by another request: ended either way.
        }
    }

    /// <summary>The model behind an active link's token, or null when the token is unknown, revoked or expired (alike).</summary>
    public async Task<TrainedModelRow?> ResolveAsync(string? token, CancellationToken ct = default)
    {
        if (!ShareLinks.LooksLikeToken(token)) return null;
        var link = (await ReadLinksAsync("token_hash = @id", ShareLinks.Hash(token!), ct)).SingleOrDefault();
        return link is { State: ShareState.Active } && await FindAsync(link.ModelId, ct) is { Withdrawn: null } model ? model : null;
    }

    public Task<IReadOnlyList<DownloadLinkRow>> LinksAsync(Guid modelId, CancellationToken ct = default) => ReadLinksAsync("model_id = @id", modelId, ct);

    /// <summary>Standing registrations, newest first; withdrawn ones too when asked.</summary>
    public async Task<IReadOnlyList<TrainedModelRow>> ListAsync(bool withdrawn = false, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            $"select {ModelColumns} from trained_models {(withdrawn ? "" : "where withdrawn is null")} order by registered desc");
        return await ReadModelsAsync(command, ct);
    }

    public async Task<TrainedModelRow?> FindAsync(Guid id, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"select {ModelColumns} from trained_models where id = @id");
        command.Parameters.AddWithValue("id", id);
        return (await ReadModelsAsync(command, ct)).SingleOrDefault();
    }

    private async Task<TrainedModelRow?> FindByFolderAsync(string folderId, string weights, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"select {ModelColumns} from trained_models where folder_id = @folder and weights_sha256 = @weights and withdrawn is null");
        command.Parameters.AddWithValue("folder", folderId);
        command.Parameters.AddWithValue("weights", weights);
        return (await ReadModelsAsync(command, ct)).SingleOrDefault();
    }

    private static async Task<IReadOnlyList<TrainedModelRow>> ReadModelsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var rows = new List<TrainedModelRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new TrainedModelRow(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetInt64(5), reader.GetInt32(6), reader.GetString(7), reader.GetString(8), reader.GetString(9), reader.GetGuid(10),
                JsonSerializer.Deserialize<List<TrainedRevision>>(reader.GetString(11), HubJson.Options) ?? [], reader.GetString(12),
                reader.GetFieldValue<DateTimeOffset>(13), reader.GetString(14), reader.GetString(15), reader.GetInt64(16),
                reader.IsDBNull(17) ? null : new Withdrawal(reader.GetFieldValue<DateTimeOffset>(17), reader.GetString(18), reader.GetString(19))));
        return rows;
    }

    private async Task<IReadOnlyList<DownloadLinkRow>> ReadLinksAsync(string where, object id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"select id, model_id, expires, created, created_by_name, revoked from model_download_links where {where} order by created desc");
        command.Parameters.AddWithValue("id", id);
        var now = time.GetUtcNow();
        var rows = new List<DownloadLinkRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            DateTimeOffset? expires = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2);
            DateTimeOffset? revoked = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5);
            var state = revoked is not null ? ShareState.Revoked : expires is { } e && e <= now ? ShareState.Expired : ShareState.Active;
            rows.Add(new DownloadLinkRow(reader.GetGuid(0), reader.GetGuid(1), expires, reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4),
                revoked, state));
        }
        return rows;
    }
}
