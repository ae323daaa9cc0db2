using System.Text.Json;
using ConstitutionHub.Core.Streams;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace ConstitutionHub.Core.TrainedModels;

/// <summary>The <c>trained_models</c> and <c>model_download_links</c> tables, inline: a revoked link is refused the moment the revocation commits.</summary>
public sealed class TrainedModelProjection : EventProjection
{
    public const string ProjectionName = "trained_models";

    public TrainedModelProjection()
    {
        Name = ProjectionName;
        SchemaObjects.Add(ModelsTable());
        SchemaObjects.Add(LinksTable());
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.trained_models");
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.model_download_links");
        foreach (var (type, _) in TrainedModelStream.Events) IncludeType(type);
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        switch (e.Data)
        {
            case TrainedModelRegistered x:
                operations.QueueSqlCommand("""
                    insert into trained_models (id, folder_id, name, weights_sha256, architecture, parameter_count, context_length, base_model,
                                                export_id, export_format, experiment_id, revisions, description, registered, registered_by_id,
                                                registered_by_name, version)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?)
                    """,
                    x.ModelId, x.FolderId, x.Name, x.WeightsSha256, x.Architecture, x.ParameterCount, x.ContextLength, x.BaseModel, x.ExportId,
                    x.ExportFormat, x.ExperimentId, JsonSerializer.Serialize(x.Revisions, HubJson.Options), x.Description, e.Timestamp,
                    e.ActorId(), e.ActorName(), e.Version);
                break;
            case TrainedModelDetailsChanged x:
                operations.QueueSqlCommand("update trained_models set name = ?, base_model = ?, description = ?, version = ? where id = ?",
                    x.Name, x.BaseModel, x.Description, e.Version, x.ModelId);
                break;
            case TrainedModelWithdrawn x:
                operations.QueueSqlCommand("""
                    update trained_models set withdrawn = ?, withdrawn_by_name = ?, withdrawn_reason = ?, version = ? where id = ?
                    """,
                    e.Timestamp, e.ActorName(), x.Reason, e.Version, x.ModelId);
                break;
            case ModelDownloadLinkCreated x:
                operations.QueueSqlCommand("""
                    insert into model_download_links (id, model_id, token_hash, expires, created, created_by_id, created_by_name)
                    values (?, ?, ?, ?, ?, ?, ?)
                    """,
                    x.LinkId, x.ModelId, x.TokenHash, (object?)x.Expires ?? DBNull.Value, e.Timestamp, e.ActorId(), e.ActorName());
                break;
            case ModelDownloadLinkRevoked x:
                operations.QueueSqlCommand("update model_download_links set revoked = ?, revoked_by_name = ? where id = ? and revoked is null",
                    e.Timestamp, e.ActorName(), x.LinkId);
                break;
        }
        return ValueTask.CompletedTask;
    }

    private static Table ModelsTable()
    {
        var models = new Table(HubMarten.Table("trained_models"));
        models.AddColumn("id", "uuid").AsPrimaryKey();
        models.AddColumn("folder_id", "text").NotNull();
        models.AddColumn("name", "text").NotNull();
        models.AddColumn("weights_sha256", "text").NotNull();
        models.AddColumn("architecture", "text").NotNull();
        models.AddColumn("parameter_count", "bigint").NotNull();
        models.AddColumn("context_length", "integer").NotNull();
        models.AddColumn("base_model", "text").NotNull();
        models.AddColumn("export_id", "text").NotNull();
        models.AddColumn("export_format", "text").NotNull();
        models.AddColumn("experiment_id", "uuid").NotNull();
        models.AddColumn("revisions", "jsonb").NotNull();
        models.AddColumn("description", "text").NotNull();
        models.AddColumn("registered", "timestamp with time zone").NotNull();
        models.AddColumn("registered_by_id", "text").NotNull();
        models.AddColumn("registered_by_name", "text").NotNull();
        // The stream's version after its last event, for edits that must not overwrite one they have not seen. Nullable
        // because the column came after the first registrations: those are at version 1.
        models.AddColumn("version", "bigint");
        models.AddColumn("withdrawn", "timestamp with time zone");
        models.AddColumn("withdrawn_by_name", "text");
        models.AddColumn("withdrawn_reason", "text");
        // One standing registration per folder and weights: retrained weights are a new registration, the same ones are
        // not, unless the earlier one was withdrawn.
        models.Indexes.Add(new IndexDefinition("trained_models_folder_weights_key")
        {
            Columns = ["folder_id", "weights_sha256"], IsUnique = true, Predicate = "withdrawn is null",
        });
        return models;
    }

    private static Table LinksTable()
    {
        var links = new Table(HubMarten.Table("model_download_links"));
        links.AddColumn("id", "uuid").AsPrimaryKey();
        links.AddColumn("model_id", "uuid").NotNull();
        links.AddColumn("token_hash", "bytea").NotNull();
        links.AddColumn("expires", "timestamp with time zone");
        links.AddColumn("created", "timestamp with time zone").NotNull();
        links.AddColumn("created_by_id", "text").NotNull();
        links.AddColumn("created_by_name", "text").NotNull();
        links.AddColumn("revoked", "timestamp with time zone");
        links.AddColumn("revoked_by_name", "text");
        links.Indexes.Add(new IndexDefinition("model_download_links_token_hash_key") { Columns = ["token_hash"], IsUnique = true });
        links.Indexes.Add(new IndexDefinition("model_download_links_model") { Columns = ["model_id", "created"] });
        return links;
    }
}
