using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.PromptSets;
using ConstitutionHub.Inference;
using ConstitutionHub.Web.Features.Chats;
using ConstitutionHub.Web.Infrastructure;
using ConstitutionHub.Web.Infrastructure.Nodes;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.AI;

namespace ConstitutionHub.Web.Features.Experiments;

/// <summary>
/// Prompt sets and experiments, and this node's experiment worker: every node with <c>Experiments:Worker</c> on (the
/// default) takes a share of every running experiment from the shared queue in PostgreSQL.
/// <c>Experiments:Concurrency</c> is how many generations this node keeps in flight, which the local engine batches.
/// </summary>
public static class ExperimentsSetup
{
    public static WebApplicationBuilder AddExperiments(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<PromptSets>();
        services.AddSingleton<ExperimentQueries>();
        services.AddSingleton<ExperimentCommands>();
        services.AddSingleton<ExperimentResults>();
        services.AddSingleton<HumanVotes>();
        services.AddSingleton<StudyLinks>();
        services.AddSingleton<TrainingExportLog>();
        services.AddSingleton<StudyParticipants>();
        services.AddSingleton<EffectFindings>();
        services.AddSingleton<OutputChats>();
        services.TryAddSingleton<SvgRaster>();
        services.AddSingleton<WorkQueue>();
        services.AddSingleton<IExperimentModels, CatalogModels>();
        services.AddSingleton<ExperimentJudge>();
        var section = builder.Configuration.GetSection("Experiments");
        services.AddSingleton(sp => new ExperimentWorkerOptions
        {
            Node = sp.GetRequiredService<NodeIdentity>().Name,
            Concurrency = section.GetValue("Concurrency", 8),
            Lease = TimeSpan.FromSeconds(section.GetValue("LeaseSeconds", 30)),
            Timeout = TimeSpan.FromSeconds(section.GetValue("TimeoutSeconds", 120)),
            MaxAttempts = section.GetValue("MaxAttempts", 3),
        });
        services.AddSingleton<ExperimentWorker>();
        if (section.GetValue("Worker", true)) services.AddHostedService<ExperimentWorkerHost>();
        return builder;
    }
}

/// <summary>Runs this node's worker for the life of the app.</summary>
public sealed class ExperimentWorkerHost(ExperimentWorker worker, ILogger<ExperimentWorkerHost> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await worker.RunAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The database went away for a moment, say: the queue keeps the work; start again shortly.
                logger.LogWarning(e, "The experiment worker stopped; starting it again");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }
}

/// <summary>
/// Experiments run on the app's model catalog: local models behind the batching scheduler, remote ones by endpoint.
/// The scheduler caps each user at a few generations at once (Inference:PerUserLimit), which a worker keeping
/// <see cref="ExperimentWorkerOptions.Concurrency"/> generations in flight for the engine to batch would exceed: each
/// request in flight takes one of as many slots, and each slot is its own scheduler user ("system:experiments/3").
/// Experiment work therefore never holds more than Concurrency of a model's places; set it below
/// Inference:ConcurrentGenerationsPerModel to leave room for people chatting.
/// </summary>
public sealed class CatalogModels : IExperimentModels
{
    public const string UserPrefix = "system:experiments/";
    private readonly IModelCatalog catalog;
    private readonly System.Collections.Concurrent.ConcurrentQueue<int> freeSlots;

    public CatalogModels(IModelCatalog catalog, ExperimentWorkerOptions options)
    {
        this.catalog = catalog;
        freeSlots = new(Enumerable.Range(0, options.Concurrency));
    }

    public (IChatClient Client, string Name) For(string? model)
    {
        var id = model ?? catalog.DefaultModelId ?? throw new InvalidOperationException("No model is available on this node.");
        var client = catalog.Find(id) ?? throw new InvalidOperationException($"The model '{id}' is not available on this node.");
        return (new AsExperimentUser(client, freeSlots), id);
    }

    public ChatOptions FixedChoice(ChatOptions options, IReadOnlyList<string> choices) => options.WithFixedChoice([.. choices]);

    private sealed class AsExperimentUser(IChatClient inner, System.Collections.Concurrent.ConcurrentQueue<int> slots) : DelegatingChatClient(inner)
    {
        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default)
        {
            // More requests than slots cannot happen from one worker; if they did, the extra ones share a user and
            // meet the scheduler's limit, a clear failure that is retried.
            var slot = slots.TryDequeue(out var free) ? free : -1;
            try
            {
                options = options?.Clone() ?? new ChatOptions();
                (options.AdditionalProperties ??= [])[HubChat.UserKey] = UserPrefix + (slot < 0 ? "extra" : slot.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return await base.GetResponseAsync(messages, options, cancellationToken);
            }
            finally
            {
                if (slot >= 0) slots.Enqueue(slot);
            }
        }
    }
}
