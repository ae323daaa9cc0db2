using Microsoft.AspNetCore.Antiforgery;

namespace ConstitutionHub.Web.Infrastructure;

/// <summary>
/// Input the framework itself refuses while reading a request (a form value with a NUL character, a malformed
/// multipart body, a missing antiforgery field) is the client's mistake: a 400 with the reason, never a 500 error page.
/// </summary>
public static class BadRequests
{
    /// <summary>The largest form body we read, the same as a circuit message (HubApp): no form of ours carries more
    /// than a whole document. A larger one is refused as too large before anything reads it, where the framework
    /// would otherwise fail inside the antiforgery check and blame a missing token.</summary>
    public const long MaxFormBytes = 3 * 1024 * 1024;

    public static IApplicationBuilder UseBadRequestAnswers(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.HasFormContentType)
        {
            if (context.Request.ContentLength > MaxFormBytes)
            {
                await AnswerAsync(context, StatusCodes.Status413PayloadTooLarge, TooLarge(context.Request.ContentLength.Value));
                return;
            }
            // A body without a length (chunked) stops at the same limit while it is read.
            if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = MaxFormBytes;
        }
        try
        {
            await next();
        }
        catch (Exception e) when (!context.Response.HasStarted && Reason(e) is { } reason)
        {
            await AnswerAsync(context, e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status400BadRequest, reason);
        }
    });

    private static async Task AnswerAsync(HttpContext context, int status, string reason)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(reason);
    }

    private static string TooLarge(long bytes) =>
        $"The form is too large: {bytes / 1048576.0:0.#} MB, and the limit is {MaxFormBytes / 1048576} MB. A document has at most 1 MiB of text.";

    private static string? Reason(Exception e) => e switch
    {
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } or
            AntiforgeryValidationException { InnerException: BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } } =>
            $"The form is too large: the limit is {MaxFormBytes / 1048576} MB. A document has at most 1 MiB of text.",
        AntiforgeryValidationException { InnerException: InvalidDataException { Message: var m } } when m.Contains("limit", StringComparison.OrdinalIgnoreCase) =>
            $"The form is too large: {m}",
        AntiforgeryValidationException { InnerException: InvalidDataException } => "The form holds characters that are not allowed (such as NUL).",
        AntiforgeryValidationException => "The form expired or was not sent from this site; reload the page and try again.",
        InvalidDataException => $"The request could not be read: {e.Message}",
        BadHttpRequestException => $"The request could not be read: {e.Message}",
        _ => null,
    };
}
