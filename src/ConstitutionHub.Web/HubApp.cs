using ConstitutionHub.Web.Components;
using ConstitutionHub.Web.Features.Accounts;
using ConstitutionHub.Web.Features.Api;
using ConstitutionHub.Web.Features.Chats;
using ConstitutionHub.Web.Features.Constitutions;
using ConstitutionHub.Web.Features.Inference;
using ConstitutionHub.Web.Features.Sharing;
using ConstitutionHub.Web.Infrastructure;
using MudBlazor.Services;

namespace ConstitutionHub.Web;

/// <summary>The composition root. Tests build the same app with their own settings (a database, a port).</summary>
public static class HubApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            WebRootPath = HubPaths.WebRoot(),
            // Tests host the app from their own process; Razor component discovery keys on this name.
            ApplicationName = typeof(HubApp).Assembly.GetName().Name,
        });
        configure?.Invoke(builder);

        builder.AddForwardedHeaders();
        builder.AddHubDatabase();
        builder.AddDocuments();
        builder.AddChats();
        builder.AddAccounts();
        builder.AddInference();
        builder.AddSharing();
        builder.Services.AddRazorComponents()
            .AddInteractiveServerComponents(options => options.DetailedErrors = builder.Environment.IsDevelopment())
            // A whole constitution (up to 1 MiB) travels from the editor to the server in one message.
            .AddHubOptions(options => options.MaximumReceiveMessageSize = 3 * 1024 * 1024);
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
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        // Blazor's script, MudBlazor's files and our own, from the build's static web assets manifest: fingerprinted
        // URLs cached for a year, precompressed bodies, ETags.
        app.MapStaticAssets();
        app.MapAccountEndpoints();
        app.MapConstitutionsApi();
        app.MapOpenAiCompatibleApi();
        app.MapSharing();
        app.MapChatEndpoints();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var url in app.Urls) app.Logger.LogInformation("ConstitutionHub is running at {Url}", url);
        });
        return app;
    }
}
