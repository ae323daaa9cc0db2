using System.Text.Json;
using ConstitutionHub.Inference;
using Microsoft.Extensions.AI;
using ChatMessage = ConstitutionHub.Inference.ChatMessage;

namespace ConstitutionHub.Web.Features.Inference;

/// <summary>An error in the OpenAI shape: <c>{"error":{"message","type","param","code"}}</c> with its HTTP status.</summary>
public sealed class OpenAiError(int status, string message, string type, string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Param { get; } = param;
    public string? Code { get; } = code;

    public static OpenAiError Invalid(string message, string? param, string code = "invalid_value") =>
        new(StatusCodes.Status400BadRequest, message, "invalid_request_error", param, code);
}

/// <summary>
/// A parsed <c>POST /v1/chat/completions</c> body. <see cref="Options"/> holds only what the caller set: the model fills
/// the rest from its generation_config.json, then OpenAI's defaults (as vLLM does), never from our chat UI's defaults.
/// </summary>
public sealed record ChatCompletionRequest(string Model, IReadOnlyList<ChatMessage> Messages, ChatOptions Options, bool Stream, bool IncludeUsage)
{
    /// <summary>The conversation as Microsoft.Extensions.AI messages.</summary>
    public List<Microsoft.Extensions.AI.ChatMessage> AiMessages() =>
        Messages.Select(m => new Microsoft.Extensions.AI.ChatMessage(new ChatRole(m.Role), m.Content)).ToList();

    public const int MaxMessages = 200;
    private static readonly HashSet<string> Roles = ["system", "user", "assistant"];

    /// <summary>
    /// Reads the body field by field so every refusal names the parameter at fault. Unknown fields are ignored, as most
    /// OpenAI-compatible servers do; fields that would change the answer's shape in a way we cannot honour (tools) are
    /// refused.
    /// </summary>
    public static ChatCompletionRequest Parse(JsonElement body, string user)
    {
        if (body.ValueKind != JsonValueKind.Object) throw OpenAiError.Invalid("The body must be a JSON object.", null);

        var model = String(body, "model") ?? throw OpenAiError.Invalid("model is required.", "model", "missing_required_parameter");
        var messages = ReadMessages(body);
        int n = Int(body, "n") ?? 1;
        if (n is < 1 or > GenerationRequest.MaxChoices) throw OpenAiError.Invalid($"n must be between 1 and {GenerationRequest.MaxChoices}.", "n");
        foreach (var unsupported in new[] { "presence_penalty", "frequency_penalty" })
        {
            if (Number(body, unsupported) is { } value && value != 0)
                throw OpenAiError.Invalid($"{unsupported} is not supported; use repetition_penalty (vLLM's), which these models take.", unsupported);
        }
        if (body.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array && tools.GetArrayLength() > 0)
            throw OpenAiError.Invalid("Tools are not supported by these models.", "tools");

        var maxTokensParam = body.TryGetProperty("max_completion_tokens", out _) ? "max_completion_tokens" : "max_tokens";
        var options = new ChatOptions
        {
            Temperature = (float?)Number(body, "temperature"),
            TopK = Int(body, "top_k"),
            TopP = (float?)Number(body, "top_p"),
            MaxOutputTokens = Int(body, "max_completion_tokens") ?? Int(body, "max_tokens"),
            Seed = Long(body, "seed"),
            StopSequences = Stop(body)?.ToList(),
            AdditionalProperties = new AdditionalPropertiesDictionary { [HubChat.UserKey] = user },
        };
        if (n > 1) options.AdditionalProperties[HubChat.ChoicesKey] = n;
        ReadLogprobs(body, options);
        ReadOutputFormat(body, options);
        if (Number(body, "min_p") is { } minP) options.AdditionalProperties[HubChat.MinPKey] = minP;
        if (Number(body, "repetition_penalty") is { } penalty) options.AdditionalProperties[HubChat.RepetitionPenaltyKey] = penalty;
        try
        {
            // The fields given must be valid on their own; the model's defaults fill the others.
            HubChat.Sampling(options, SamplingSettings.OpenAiDefaults).Validate();
        }
        catch (InferenceException e)
        {
            var param = e.Field == "max_new_tokens" ? maxTokensParam : e.Field;
            throw OpenAiError.Invalid(e.Message.Replace("max_new_tokens", maxTokensParam, StringComparison.Ordinal), param);
        }

        var stream = Bool(body, "stream") ?? false;
        var includeUsage = body.TryGetProperty("stream_options", out var streamOptions) && streamOptions.ValueKind == JsonValueKind.Object
            && Bool(streamOptions, "include_usage", "stream_options.include_usage") == true;
        return new ChatCompletionRequest(model, messages, options, stream, includeUsage);
    }

    /// <summary>logprobs (true/false) and top_logprobs (0 to 20, only with logprobs), as OpenAI defines them.</summary>
    private static void ReadLogprobs(JsonElement body, ChatOptions options)
    {
        bool logprobs = Bool(body, "logprobs") ?? false;
        int? top = Int(body, "top_logprobs");
        if (top is not null && !logprobs) throw OpenAiError.Invalid("top_logprobs needs logprobs set to true.", "top_logprobs");
        if (top is < 0 or > GenerationRequest.MaxTopLogprobs)
            throw OpenAiError.Invalid($"top_logprobs must be between 0 and {GenerationRequest.MaxTopLogprobs}.", "top_logprobs");
        if (!logprobs) return;
        options.AdditionalProperties![HubChat.LogprobsKey] = true;
        options.AdditionalProperties[HubChat.TopLogprobsKey] = top ?? 0;
    }

    /// <summary>
    /// OpenAI's response_format (text, json_object, json_schema) and vLLM's fixed choice (guided_choice, or
    /// structured_outputs.choice) and schema (guided_json, structured_outputs.json); all enforced by constrained decoding.
    /// </summary>
    private static void ReadOutputFormat(JsonElement body, ChatOptions options)
    {
        var structured = Field(body, "structured_outputs") is { ValueKind: JsonValueKind.Object } so ? so : (JsonElement?)null;
        var choice = Field(body, "guided_choice") ?? (structured is { } a ? Field(a, "choice") : null);
        var json = Field(body, "guided_json") ?? (structured is { } b ? Field(b, "json") : null);
        if (Field(body, "response_format") is { } format)
        {
            if (format.ValueKind != JsonValueKind.Object) throw OpenAiError.Invalid("response_format must be an object with a type.", "response_format");
            switch (String(format, "type", "response_format.type"))
            {
                case null or "text":
                    break;
                case "json_object":
                    options.ResponseFormat = ChatResponseFormat.Json;
                    break;
                case "json_schema":
                    if (Field(format, "json_schema") is not { ValueKind: JsonValueKind.Object } spec || Field(spec, "schema") is not { } schema)
                        throw OpenAiError.Invalid("response_format json_schema needs json_schema.schema.", "response_format.json_schema");
                    options.ResponseFormat = ChatResponseFormat.ForJsonSchema(schema.Clone(), String(spec, "name", "response_format.json_schema.name"));
                    break;
                case var other:
                    throw OpenAiError.Invalid($"response_format type must be text, json_object or json_schema (got '{other}').", "response_format.type");
            }
        }
        if (json is { } guided)
        {
            if (options.ResponseFormat is not null) throw OpenAiError.Invalid("Give response_format or guided_json, not both.", "guided_json");
            options.ResponseFormat = ChatResponseFormat.ForJsonSchema(guided.Clone());
        }
        if (choice is { } c)
        {
            if (c.ValueKind != JsonValueKind.Array || c.GetArrayLength() == 0 || c.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
                throw OpenAiError.Invalid("guided_choice must be a non-empty array of strings.", "guided_choice");
            if (options.ResponseFormat is ChatResponseFormatJson) throw OpenAiError.Invalid("Give a choice or a JSON format, not both.", "guided_choice");
            options.WithFixedChoice([.. c.EnumerateArray().Select(x => x.GetString()!)]);
        }
    }

    private static List<ChatMessage> ReadMessages(JsonElement body)
    {
        if (!body.TryGetProperty("messages", out var list) || list.ValueKind != JsonValueKind.Array)
            throw OpenAiError.Invalid("messages must be an array of {role, content}.", "messages", "missing_required_parameter");
        var count = list.GetArrayLength();
        if (count is 0 or > MaxMessages)
            throw OpenAiError.Invalid($"messages must hold 1 to {MaxMessages} messages (got {count}).", "messages");

        var messages = new List<ChatMessage>(count);
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            var at = $"messages[{i++}]";
            if (item.ValueKind != JsonValueKind.Object) throw OpenAiError.Invalid($"{at} must be an object.", at);
            var role = String(item, "role", $"{at}.role") ?? throw OpenAiError.Invalid($"{at}.role is required.", $"{at}.role");
            // "developer" is OpenAI's newer name for the system message; its clients send it for newer models.
            if (role == "developer") role = "system";
            if (!Roles.Contains(role)) throw OpenAiError.Invalid($"{at}.role must be system, user or assistant (got '{role}').", $"{at}.role");
            messages.Add(new ChatMessage(role, Content(item, at)));
        }
        return messages;
    }

    /// <summary>A string, or an array of text parts (<c>{"type":"text","text":"..."}</c>) joined.</summary>
    private static string Content(JsonElement message, string at)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null) return "";
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        if (content.ValueKind != JsonValueKind.Array) throw OpenAiError.Invalid($"{at}.content must be a string or an array of text parts.", $"{at}.content");
        var text = new System.Text.StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || String(part, "type") != "text" || String(part, "text") is not { } piece)
                throw OpenAiError.Invalid($"{at}.content may hold text parts only.", $"{at}.content");
            text.Append(piece);
        }
        return text.ToString();
    }

    private static IReadOnlyList<string>? Stop(JsonElement body)
    {
        if (!body.TryGetProperty("stop", out var stop) || stop.ValueKind == JsonValueKind.Null) return null;
        if (stop.ValueKind == JsonValueKind.String) return [stop.GetString()!];
        if (stop.ValueKind != JsonValueKind.Array || stop.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.String))
            throw OpenAiError.Invalid("stop must be a string or an array of strings.", "stop");
        return stop.EnumerateArray().Select(s => s.GetString()!).ToList();
    }

    private static JsonElement? Field(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string? String(JsonElement obj, string name, string? param = null) => Field(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        _ => throw OpenAiError.Invalid($"{param ?? name} must be a string.", param ?? name),
    };

    private static double? Number(JsonElement obj, string name) => Field(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value => value.GetDouble(),
        _ => throw OpenAiError.Invalid($"{name} must be a number.", name),
    };

    private static int? Int(JsonElement obj, string name) => Field(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetInt32(out var n) => n,
        _ => throw OpenAiError.Invalid($"{name} must be an integer.", name),
    };

    private static long? Long(JsonElement obj, string name) => Field(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetInt64(out var n) => n,
        _ => throw OpenAiError.Invalid($"{name} must be an integer.", name),
    };

    private static bool? Bool(JsonElement obj, string name, string? param = null) => Field(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw OpenAiError.Invalid($"{param ?? name} must be true or false.", param ?? name),
    };
}
