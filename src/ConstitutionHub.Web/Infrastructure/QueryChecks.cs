using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing.Patterns;

namespace ConstitutionHub.Web.Infrastructure;

/// <summary>
/// One check of query values for every route, before the route runs: a value the route would parse as a number, id,
/// date or flag must parse as one, and no value may hold control characters (PostgreSQL refuses NUL). The types come
/// from the route itself (a page's <see cref="SupplyParameterFromQueryAttribute"/> properties, a minimal API handler's
/// parameters), so a new route is covered without a line of its own. Left alone, a page's query binding throws (a
/// 500) and a handler's answers an empty 400 that the status code pages turn into "not found".
/// </summary>
public static class QueryChecks
{
    // Weak keys: an endpoint's fields live as long as its app (the tests build many apps in one process).
    private static readonly ConditionalWeakTable<Endpoint, IReadOnlyDictionary<string, Type>> Fields = new();

    public static IApplicationBuilder UseQueryChecks(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (Problem(context.Request.Query, context.GetEndpoint()) is { } reason)
        {
            await WriteAsync(context, reason);
            return;
        }
        await next();
    });

    /// <summary>Why the query cannot be answered, or null when it can.</summary>
    public static string? Problem(IQueryCollection query, Endpoint? endpoint) =>
        Problem(query, endpoint is null ? null : Fields.GetValue(endpoint, QueryFields));

    /// <summary>The same check for a page reached on the circuit (a link or a navigation inside the app), where no
    /// middleware runs: <paramref name="uri"/> is the address the router is about to show with <paramref name="page"/>.</summary>
    public static string? PageProblem(string uri, Type page)
    {
        var query = new Uri(uri, UriKind.Absolute).Query;
        if (query.Length == 0) return null;
        return Problem(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query), PageFields.GetValue(page, PageQueryFields));
    }

    private static readonly ConditionalWeakTable<Type, IReadOnlyDictionary<string, Type>> PageFields = new();

    private static string? Problem(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> query,
        IReadOnlyDictionary<string, Type>? fields)
    {
        foreach (var (name, values) in query)
        {
            if (HasControlCharacters(name)) return "A query parameter name holds control characters.";
            foreach (var value in values)
            {
                if (string.IsNullOrEmpty(value)) continue;
                if (HasControlCharacters(value)) return $"The query value of {name} holds control characters (such as NUL), which are not allowed.";
                if (fields is not null && fields.TryGetValue(name, out var type) && Expectation(type, value) is { } expected)
                    return $"The query value {name}={Shown(value)} is not {expected}.";
            }
        }
        return null;
    }

    private static bool HasControlCharacters(string text) => text.Any(c => char.IsControl(c) && c is not '\t' and not '\n' and not '\r');

    private static string Shown(string value) => value.Length <= 40 ? value : value[..40] + "…";

    /// <summary>What <paramref name="value"/> should have been for <paramref name="type"/>, or null when it parses
    /// (with the invariant culture, as both Blazor's and the minimal APIs' binding do).</summary>
    private static string? Expectation(Type type, string value)
    {
        type = Nullable.GetUnderlyingType(type) ?? (type.IsArray ? type.GetElementType()! : type);
        type = Nullable.GetUnderlyingType(type) ?? type;
        var invariant = CultureInfo.InvariantCulture;
        return type switch
        {
            _ when type == typeof(int) => int.TryParse(value, NumberStyles.Integer, invariant, out _) ? null
                : $"a whole number from {int.MinValue} to {int.MaxValue}",
            _ when type == typeof(long) => long.TryParse(value, NumberStyles.Integer, invariant, out _) ? null
                : $"a whole number from {long.MinValue} to {long.MaxValue}",
            _ when type == typeof(double) => double.TryParse(value, NumberStyles.Float, invariant, out _) ? null : "a number",
            _ when type == typeof(decimal) => decimal.TryParse(value, NumberStyles.Number, invariant, out _) ? null : "a number",
            _ when type == typeof(bool) => bool.TryParse(value, out _) ? null : "true or false",
            _ when type == typeof(Guid) => Guid.TryParse(value, out _) ? null : "an id (a GUID)",
            _ when type == typeof(DateTime) => DateTime.TryParse(value, invariant, DateTimeStyles.None, out _) ? null : "a date",
            _ when type == typeof(DateTimeOffset) => DateTimeOffset.TryParse(value, invariant, DateTimeStyles.None, out _) ? null : "a date",
            _ when type == typeof(DateOnly) => DateOnly.TryParse(value, invariant, DateTimeStyles.None, out _) ? null : "a date",
            _ when type.IsEnum => Enum.TryParse(type, value, ignoreCase: true, out _) ? null
                : $"one of {string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))}",
            _ => null,
        };
    }

    /// <summary>The query parameters a route binds, by name (case-insensitive, as binding is).</summary>
    private static IReadOnlyDictionary<string, Type> QueryFields(Endpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<ComponentTypeMetadata>() is { } page) return PageQueryFields(page.Type);
        var fields = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        if (endpoint.Metadata.GetMetadata<MethodInfo>() is { } handler)
        {
            var route = (endpoint as RouteEndpoint)?.RoutePattern;
            foreach (var parameter in handler.GetParameters())
                if (QueryName(parameter, route) is { } name) fields[name] = parameter.ParameterType;
        }
        return fields;
    }

    /// <summary>The query parameters a page binds through <see cref="SupplyParameterFromQueryAttribute"/>.</summary>
    private static IReadOnlyDictionary<string, Type> PageQueryFields(Type page)
    {
        var fields = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in page.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            if (property.GetCustomAttribute<SupplyParameterFromQueryAttribute>() is { } query)
                fields[query.Name ?? property.Name] = property.PropertyType;
        return fields;
    }

    /// <summary>The query name of a handler parameter, or null when it binds from elsewhere (route, body, services).</summary>
    private static string? QueryName(ParameterInfo parameter, RoutePattern? route)
    {
        if (parameter.GetCustomAttribute<FromQueryAttribute>() is { } fromQuery) return fromQuery.Name ?? parameter.Name;
        if (parameter.Name is null || route?.GetParameter(parameter.Name) is not null) return null;
        if (parameter.GetCustomAttributes().Any(a => a is IFromRouteMetadata or IFromBodyMetadata or IFromHeaderMetadata or IFromServiceMetadata
                or IFromFormMetadata or AsParametersAttribute)) return null;
        var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
        return type.IsPrimitive || type.IsEnum || type == typeof(Guid) || type == typeof(DateTime) || type == typeof(DateTimeOffset)
            || type == typeof(DateOnly) || type == typeof(decimal) ? parameter.Name : null;
    }

    /// <summary>The answer in the shape the caller reads: OpenAI's error object under /v1, problem details under /api,
    /// plain text for pages.</summary>
    private static async Task WriteAsync(HttpContext context, string reason)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status400BadRequest;
        var path = context.Request.Path;
        if (path.StartsWithSegments("/v1"))
            await response.WriteAsJsonAsync(new { error = new { message = reason, type = "invalid_request_error", param = (string?)null, code = "invalid_query" } });
        else if (path.StartsWithSegments("/api"))
        {
            response.ContentType = "application/problem+json";
            await response.WriteAsync(JsonSerializer.Serialize(new { title = "Invalid request", status = 400, detail = reason }));
        }
        else
        {
            response.ContentType = "text/plain; charset=utf-8";
            await response.WriteAsync(reason);
        }
    }
}
