using ConstitutionHub.Web.Components;
using ConstitutionHub.Web.Features.Accounts;
using ConstitutionHub.Web.Features.Admin;
using ConstitutionHub.Web.Features.Annotations;
using ConstitutionHub.Web.Features.Chats;
using ConstitutionHub.Web.Features.Constitutions;
using ConstitutionHub.Web.Features.Experiments;
using ConstitutionHub.Web.Features.Inbox;
using ConstitutionHub.Web.Features.Inference;
using ConstitutionHub.Web.Features.Members;
using ConstitutionHub.Web.Features.Sharing;
using ConstitutionHub.Web.Features.Tokens;
using ConstitutionHub.Web.Features.TrainedModels;
using ConstitutionHub.Web.Infrastructure;
using ConstitutionHub.Web.Infrastructure.Nodes;
using JasperFx;
using MudBlazor.Services;

namespace ConstitutionHub.Web;

/// <summary>The composition root. Tests build the same app with their own settings (a database, a port).</summary>
public static class HubApp
{
    /// <summary>The JasperFx commands the app answers (see Program.cs); the first argument names one.</summary>
    private static readonly HashSet<string> Commands =
        ["db-apply", "db-assert", "db-dump", "db-list", "db-patch", "projections", "codegen", "describe", "check-env", "resources", "help"];

    public static bool IsCommand(string[] args) => args.Length > 0 && Commands.Contains(args[0]);

    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            WebRootPath = HubPaths.WebRoot(),
            // Tests host the app from their own process; Razor component discovery keys on this name.
            ApplicationName = typeof(HubApp).Assembly.GetName().Name,
        });
        configure?.Invoke(builder);
        builder.Host.ApplyJasperFxExtensions();

        // The database first, before any registration: Marten's needs the connection string, and no service then
        // waits for the database on first use.
        using (var startupLogs = LoggerFactory.Create(logging => logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddConsole()))
        {
            var prepareSchema = !IsCommand(args) && builder.Configuration.GetValue("Database:ApplyChangesOnStart", true);
            var database = await HubDatabase.StartAsync(builder.Configuration, startupLogs.CreateLogger<HubDatabase>(), prepareSchema);
            builder.AddHubDatabase(database);
        }

        builder.AddForwardedHeaders();
        builder.AddSecurityHeaders();
        builder.AddNodes();
        builder.AddDocuments();
        builder.AddChats();
        builder.AddAccounts();
        builder.AddTokens();
        builder.AddInference();
        builder.AddSharing();
        builder.AddAnnotations();
        builder.AddExperiments();
        builder.AddTrainedModels();
        builder.AddInbox();
        builder.Services.AddRazorComponents()
            .AddInteractiveServerComponents(options => options.DetailedErrors = builder.Environment.IsDevelopment())
            // A whole constitution (up to 1 MiB) travels from the editor to the server in one message.
            .AddHubOptions(options => options.MaximumReceiveMessageSize = (int)BadRequests.MaxFormBytes);
        builder.Services.AddProblemDetails();
        builder.Services.AddMudServices(options =>
        {
            options.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomLeft;
            options.SnackbarConfiguration.PreventDuplicates = false;
            options.SnackbarConfiguration.VisibleStateDuration = 5000;
            options.SnackbarConfiguration.ShowCloseIcon = true;
        });

        var app = builder.Build();
        app.UseHubForwardedHeaders();
        if (!app.Environment.IsDevelopment()) app.UseHsts();
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseSecurityHeaders();
        app.UseBadRequestAnswers();
        app.UseQueryChecks();
        app.UseAuthentication();
        app.UseTokens();
        app.UseAuthorization();
        app.UseAntiforgery();

        // Blazor's script, MudBlazor's files and our own, from the build's static web assets manifest: fingerprinted
        // URLs cached for a year, precompressed bodies, ETags.
        app.MapStaticAssets();
        app.MapAccountEndpoints();
        app.MapTokens();
        app.MapConstitutionsApi();
        app.MapMembersApi();
        app.MapHealth();
        app.MapOpenAiCompatibleApi();
        app.MapSharing();
        app.MapChatEndpoints();
        app.MapAnnotationsApi();
        app.MapExperimentsApi();
        app.MapVotesApi();
        app.MapExperimentSharesApi();
        app.MapTrainedModelsApi();
        app.MapInboxApi();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var url in app.Urls) app.Logger.LogInformation("ConstitutionHub is running at {Url}", url);
        });
        return app;
    }
}
