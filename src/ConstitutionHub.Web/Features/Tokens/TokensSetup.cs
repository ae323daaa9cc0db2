using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Web.Features.Accounts;
using Microsoft.AspNetCore.Authentication;

namespace ConstitutionHub.Web.Features.Tokens;

public sealed record TokenPost(string? Name, List<string>? Scopes, int? ExpiresInDays);

/// <summary>Personal access tokens: the handler, the gate, and <c>/api/tokens</c> to create, list and revoke them.
/// Managing tokens needs the signed-in session (a token cannot mint tokens).</summary>
public static class TokensSetup
{
    public static WebApplicationBuilder AddTokens(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => new AccessTokens(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<TokenGate>();
        builder.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, TokenAuthentication>(TokenAuthentication.SchemeName, null);
        return builder;
    }

    public static IApplicationBuilder UseTokens(this IApplicationBuilder app)
    {
        var gate = app.ApplicationServices.GetRequiredService<TokenGate>();
        return app.Use((context, next) => gate.InvokeAsync(context, () => next(context)));
    }

    public static IEndpointRouteBuilder MapTokens(this IEndpointRouteBuilder app)
    {
        // JSON only (a cross-site form cannot send it without a CORS preflight we never grant), session only.
        var tokens = app.MapGroup("/api/tokens").DisableAntiforgery();
        tokens.MapGet("", async (HttpContext http, AccessTokens store) =>
            SessionActor(http) is { } actor ? Results.Ok(await store.ListAsync(actor.Id)) : Unauthorized());
        tokens.MapPost("", async (HttpContext http, AccessTokens store) =>
        {
            if (SessionActor(http) is not { } actor) return Unauthorized();
            if (http.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
                return Invalid("Content-Type", "Send JSON with Content-Type: application/json.");
            try
            {
                var post = await http.Request.ReadFromJsonAsync<TokenPost>(Core.Streams.HubJson.Options) ?? new TokenPost(null, null, null);
                var (token, secret) = await store.CreateAsync(actor.Id, post.Name, post.Scopes, post.ExpiresInDays);
                http.Response.Headers.CacheControl = "no-store";
                return Results.Json(new { token.Id, token.Name, token.Scopes, token.Created, token.Expires, secret }, statusCode: 201);
            }
            catch (ValidationException e)
            {
                return Invalid(e.Field, e.Message);
            }
            catch (System.Text.Json.JsonException e)
            {
                return Invalid("body", $"The body is not valid JSON: {e.Message}");
            }
        });
        tokens.MapDelete("{id}", async (string id, HttpContext http, AccessTokens store) =>
            SessionActor(http) is not { } actor ? Unauthorized()
            : await store.RevokeAsync(actor.Id, id) ? Results.NoContent()
            : Results.Problem(statusCode: 404, title: "Not found", detail: "You have no token with that id."));
        return app;
    }

    /// <summary>The person behind a session cookie; null for anonymous requests and for token-signed ones.</summary>
    private static Actor? SessionActor(HttpContext http) =>
        http.User.HasClaim(c => c.Type == TokenAuthentication.TokenClaim) ? null : AccountsSetup.ToActor(http.User);

    private static IResult Unauthorized() => Results.Problem(statusCode: 401, title: "Unauthorized", detail: "Sign in to manage access tokens.");

    private static IResult Invalid(string field, string detail) => Results.Problem(statusCode: 400, title: "Invalid request", detail: detail,
        extensions: new Dictionary<string, object?> { ["field"] = field });
}
