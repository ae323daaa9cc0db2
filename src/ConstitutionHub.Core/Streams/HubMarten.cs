using ConstitutionHub.Core.Activity;
using ConstitutionHub.Core.Annotations;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.PromptSets;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Core.TrainedModels;
using ConstitutionHub.Core.Watching;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Npgsql;
using Weasel.Core;
using Weasel.Postgresql;

namespace ConstitutionHub.Core.Streams;

/// <summary>
/// Our Marten configuration, in one place for the app, the tests and the benchmarks: every Marten object and every
/// read-model table in the <see cref="Schema"/> schema, string stream ids (<c>constitution-…</c>, <c>chat-…</c>,
/// <c>share-…</c>), stable event aliases, metadata columns, a unique index on event ids (idempotency), Quick appends
/// and the projections. Web wiring adds the commit hook and the async daemon.
/// </summary>
public static class HubMarten
{
    public const string Schema = "hub";

    /// <summary>The projections the async daemon runs (the others run inline, in the append's transaction).</summary>
    public static readonly IReadOnlyList<string> AsyncProjections =
        [SearchIndexProjection.ProjectionName, ActivityProjection.ProjectionName, ConstitutionStatsProjection.ProjectionName,
         NotificationProjection.ProjectionName];

    /// <summary>Every projection, inline and async: what <c>projections --rebuild</c> rebuilds.</summary>
    public static readonly IReadOnlyList<string> AllProjections =
        [ConstitutionProjection.ProjectionName, ChatProjection.ProjectionName, ShareLinkProjection.ProjectionName, AnnotationProjection.ProjectionName,
         PromptSetProjection.ProjectionName, ExperimentProjection.ProjectionName, WatchProjection.ProjectionName, TrainedModelProjection.ProjectionName,
         .. AsyncProjections];

    private static readonly Dictionary<string, Type> TypesByAlias =
        ConstitutionStream.Events.Concat(ChatStream.Events).Concat(ShareLinkStream.Events).Concat(AnnotationStream.Events)
            .Concat(PromptSetStream.Events).Concat(ExperimentStream.Events).Concat(JudgeStream.Events).Concat(HumanVoteStream.Events)
            .Concat(WatchStream.Events).Concat(TrainingExportStream.Events).Concat(TrainedModelStream.Events)
            .ToDictionary(e => e.Alias, e => e.Type);

    /// <summary>The event record stored under <paramref name="alias"/>.</summary>
    public static Type EventType(string alias) =>
        TypesByAlias.TryGetValue(alias, out var type) ? type : throw new InvalidDataException($"Unknown event alias '{alias}'.");

    /// <summary>The name of one of our read-model tables, in <see cref="Schema"/>.</summary>
    public static PostgresqlObjectName Table(string name) => new(Schema, name, SchemaUtils.IdentifierUsage.General);

    /// <summary>
    /// The connection settings of every connection we and Marten open: our own SQL names read-model tables without a
    /// schema (connections search <see cref="Schema"/> only); and a pooled connection goes back to the pool as it
    /// is, without the <c>DISCARD ALL</c> Npgsql would send before its next use: none of our code leaves session
    /// state behind (Marten's daemon takes its HotCold lock per transaction, and the LISTEN connections are never
    /// returned), and the reset was a statement per append (see README, "Figures").
    /// </summary>
    public static string WithSearchPath(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = Schema, NoResetOnClose = true }.ConnectionString;

    /// <param name="createSchema">Create or update schema objects on first use. Off in production when the DDL is
    /// applied with <c>db-apply</c> (or reviewed with <c>db-patch</c>) instead.</param>
    public static StoreOptions Configure(StoreOptions options, string connectionString, bool createSchema = true)
    {
        options.Connection(WithSearchPath(connectionString));
        options.DatabaseSchemaName = Schema;
        options.AutoCreateSchemaObjects = createSchema ? AutoCreate.CreateOrUpdate : AutoCreate.None;
        options.UseSystemTextJsonForSerialization(EnumStorage.AsInteger, Casing.CamelCase, json => HubJson.Apply(json));

        var events = options.Events;
        events.DatabaseSchemaName = Schema;
        events.StreamIdentity = StreamIdentity.AsString;
        // Quick append: one function call appends and checks the expected version (see README, "Event store"). The
        // "server timestamps" flavour stores the time this app server stamped on the event (the command's time), not
        // the database's now(): inline projections and a later rebuild then see the same time.
        events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
        events.EnableUniqueIndexOnEventId = true;
        events.MetadataConfig.CorrelationIdEnabled = true;
        events.MetadataConfig.CausationIdEnabled = true;
        events.MetadataConfig.HeadersEnabled = true;
        events.MetadataConfig.UserNameEnabled = true;
        foreach (var (type, alias) in TypesByAlias.Select(p => (p.Value, p.Key))) events.MapEventType(type, alias);

        options.Projections.Add(new ConstitutionProjection(), ProjectionLifecycle.Inline);
        options.Projections.Add(new ChatProjection(), ProjectionLifecycle.Inline);
        options.Projections.Add(new ShareLinkProjection(), ProjectionLifecycle.Inline);
        options.Projections.Add(new AnnotationProjection(), ProjectionLifecycle.Inline);
        options.Projections.Add(new PromptSetProjection(), ProjectionLifecycle.Inline);
        options.Projections.Add(new ExperimentProjection(), ProjectionLifecycle.Inline);
        options.Projections.Add(new WatchProjection(), ProjectionLifecycle.Inline);
        options.Projections.Add(new TrainedModelProjection(), ProjectionLifecycle.Inline);
        // What may lag a moment: run by the async daemon (HotCold: one node at a time), rebuilt with `projections --rebuild`.
        options.Projections.Add(new SearchIndexProjection(), ProjectionLifecycle.Async);
        options.Projections.Add(new ActivityProjection(), ProjectionLifecycle.Async);
        options.Projections.Add(new ConstitutionStatsProjection(), ProjectionLifecycle.Async);
        options.Projections.Add(new NotificationProjection(), ProjectionLifecycle.Async);
        options.Storage.ExtendedSchemaObjects.Add(PeopleDirectory.Table());
        options.Storage.ExtendedSchemaObjects.Add(SignInSessions.Table());
        options.Storage.ExtendedSchemaObjects.Add(AccessTokens.Table());
        options.Storage.ExtendedSchemaObjects.Add(NotificationProjection.ReadsTable());
        options.Storage.ExtendedSchemaObjects.Add(MailPreferences.Table());
        return options;
    }

    /// <summary>A store outside the host (tests, benchmarks, the import): the same configuration, with the commit hook.</summary>
    public static DocumentStore CreateStore(string connectionString, CommitAnnouncer? announcer = null, Action<StoreOptions>? more = null)
    {
        var options = Configure(new StoreOptions(), connectionString);
        if (announcer is not null) options.Listeners.Add(announcer);
        more?.Invoke(options);
        return new DocumentStore(options);
    }
}
