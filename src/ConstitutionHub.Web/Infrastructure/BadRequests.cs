using Microsoft.AspNetCore.Antiforgery;

namespace ConstitutionHub.Web.Infrastructure;

/// <summary>
/// Input the framework itself refuses while reading a request (a form value with a NUL character, a malformed
/// multipart body, a missing antiforgery field) is the client's mistake: a 400 with the reason, never a 500 error page.
/// </summary>
public static class BadRequests
{
    public static IApplicationBuilder UseBadRequestAnswers(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next();
        }
        catch (Exception e) when (!context.Response.HasStarted && Reason(e) is { } reason)
        {
            context.Response.Clear();
            context.Response.StatusCode = e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status400BadRequest;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(reason);
        }
    });

    private static string? Reason(Exception e) => e switch
    {
        AntiforgeryValidationException { InnerException: InvalidDataException } => "The form holds characters that are not allowed (such as NUL).",
        AntiforgeryValidationException => "The form expired or was not sent from this site; reload the page and try again.",
        InvalidDataException => $"The request could not be read: {e.Message}",
        BadHttpRequestException => $"The request could not be read: {e.Message}",
        _ => null,
    };
}
