using System.Text;
using System.Text.Json;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.PromptSets;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Web.Features.Accounts;
using ConstitutionHub.Web.Infrastructure;
using Microsoft.AspNetCore.Http.Features;

namespace ConstitutionHub.Web.Features.Experiments;

public sealed record PromptSetPost(string? Name, string? Description, IReadOnlyList<PromptItem>? Items, Guid? CommandId);

/// <summary>An arm as scripts send it: a constitution by slug, a revision, a recipe, optionally a model and sampling.</summary>
public sealed record ArmPost(string? Slug, int Revision, Dictionary<string, string>? Recipe, string? Model, ArmSampling? Sampling, string? Label);

/// <summary>A factorial design on one revision: the sections to vary (by id) and their variants.</summary>
public sealed record DesignPost(string? Slug, int Revision, Dictionary<string, string>? BaseRecipe, IReadOnlyList<FactorPost>? Factors, string? Kind);

public sealed record FactorPost(string? Section, IReadOnlyList<string>? Variants);

/// <summary>Rubric scoring: the section ids (of the first arm's revision) to score each output on, 1-5, the judge model,
/// and optionally the rubric prompt as a revision of a document (<c>promptSlug</c> + <c>promptRevision</c>).</summary>
public sealed record RubricPost(IReadOnlyList<string>? Sections, string? Model, string? PromptSlug = null, int? PromptRevision = null);

/// <summary>The AI judge: its model (null: the default), whether it reads only the varied sections, and optionally its
/// prompt as a revision of a document of one's own (<c>promptSlug</c> + <c>promptRevision</c>) instead of the built-in one.</summary>
public sealed record JudgePost(string? Model, bool OnlyVariedSections, string? PromptSlug, int? PromptRevision);

/// <summary>Arms given one by one, or a factorial design that makes them; pairwise judging, rubric scoring, both or neither.</summary>
public sealed record ExperimentPost(string? Name, Guid PromptSetId, int? PromptSetVersion, IReadOnlyList<ArmPost>? Arms, DesignPost? Design,
    int? Samples, JudgePost? Judge, Guid? CommandId, RubricPost? Rubric = null);

/// <summary>Which outputs to critique and revise: arms by letter and items by id (each null or empty: all), and optionally
/// the critique prompt as a revision of a document (<c>promptSlug</c> + <c>promptRevision</c>).</summary>
public sealed record CritiquesPost(IReadOnlyList<string>? Arms, IReadOnlyList<string>? ItemIds, Guid? CommandId, string? PromptSlug = null,
    int? PromptRevision = null);

/// <summary>
/// The JSON API of prompt sets and experiments, for scripts (tools/experiment-loop) and the pages alike. Bad input is
/// a 400 with the reason; reading an experiment needs no sign-in for public constitutions' experiments (like
/// chats, the run is visible to whoever has its id); changing anything needs the owner.
/// </summary>
public static class ExperimentsApi
{
    private const long MaxBodyBytes = PromptSetFormats.MaxImportBytes + 1024;

    public static IEndpointRouteBuilder MapExperimentsApi(this IEndpointRouteBuilder app)
    {
        var sets = app.MapGroup("/api/prompt-sets").DisableAntiforgery();
        sets.MapGet("", async (PromptSets s) => Results.Ok(await s.ListAsync()));
        sets.MapPost("", CreateSet);
        sets.MapPost("import", ImportSet);
        sets.MapGet("{id:guid}", GetSet);
        sets.MapGet("{id:guid}/export", ExportSet);
        sets.MapPost("{id:guid}/items", SaveItems);

        var experiments = app.MapGroup("/api/experiments").DisableAntiforgery();
        experiments.MapPost("estimate", Estimate);
        experiments.MapPost("", Create);
        experiments.MapGet("{id:guid}", Get);
        experiments.MapGet("{id:guid}/outputs", (HttpContext h, ExperimentQueries q, ConstitutionQueries c, Guid id) => Guarded(async () =>
        {
            await ReadableAsync(h, q, c, id);
            return Results.Ok(await q.OutputsAsync(id));
        }));
        experiments.MapPost("{id:guid}/outputs/{arm}/{sample:int}/{itemId}/chat", OpenAsChat);
        experiments.MapGet("{id:guid}/ratings", Ratings);
        experiments.MapGet("{id:guid}/charts/{chart}.{format}", Chart);
        experiments.MapGet("{id:guid}/export", Export);
        experiments.MapGet("{id:guid}/rubric", Rubric);
        experiments.MapPost("{id:guid}/critiques", RequestCritiques);
        experiments.MapGet("{id:guid}/critiques/export", ExportCritiques);
        experiments.MapPost("{id:guid}/pause", (HttpContext h, ExperimentCommands c, ExperimentQueries q, ConstitutionQueries cq, Guid id) => Guarded(async () =>
        {
            await StartersOnlyAsync(h, q, cq, id);
            await c.PauseAsync(RequireActor(h), id, Guid.NewGuid());
            return Results.NoContent();
        }));
        experiments.MapPost("{id:guid}/resume", (HttpContext h, ExperimentCommands c, ExperimentQueries q, ConstitutionQueries cq, Guid id) => Guarded(async () =>
        {
            await StartersOnlyAsync(h, q, cq, id);
            await c.ResumeAsync(RequireActor(h), id, Guid.NewGuid());
            return Results.NoContent();
        }));
        experiments.MapPost("{id:guid}/cancel", (HttpContext h, ExperimentCommands c, ExperimentQueries q, ConstitutionQueries cq, Guid id) => Guarded(async () =>
        {
            await StartersOnlyAsync(h, q, cq, id);
            await c.CancelAsync(RequireActor(h), id, Guid.NewGuid());
            return Results.NoContent();
        }));
        experiments.MapPost("{id:guid}/retry", (HttpContext h, ExperimentCommands c, ExperimentQueries q, ConstitutionQueries cq, Guid id) => Guarded(async () =>
        {
            await StartersOnlyAsync(h, q, cq, id);
            return Results.Ok(new { retried = await c.RetryFailedAsync(RequireActor(h), id) });
        }));
        return app;
    }

    private static Task<IResult> OpenAsChat(HttpContext http, OutputChats outputs, Guid id, string arm, int sample, string itemId, Guid? commandId) =>
        Guarded(async () =>
        {
            var chat = await outputs.OpenAsync(RequireActor(http), id, arm, itemId, sample, commandId ?? Guid.NewGuid());
            return Results.Created($"/chats/{chat.Id}", chat);
        });

    private static Task<IResult> CreateSet(HttpContext http, PromptSets sets) => Guarded(async () =>
    {
        var actor = RequireActor(http);
        var body = await ReadJson<PromptSetPost>(http);
        var set = await sets.CreateAsync(actor, body.Name ?? "", body.Description ?? "", body.Items ?? [], body.CommandId ?? Guid.NewGuid());
        return Results.Created($"/api/prompt-sets/{set.State.Id}", SetBody(set));
    });

    /// <summary>The body is the file (JSONL or CSV, by <c>format</c> or the content type); <c>name</c> names the new set.</summary>
    private static Task<IResult> ImportSet(HttpContext http, PromptSets sets, string? name, string? format) => Guarded(async () =>
    {
        var actor = RequireActor(http);
        var text = await ReadTextAsync(http);
        var items = FormatOf(format, http.Request.ContentType) == "csv" ? PromptSetFormats.ReadCsv(text) : PromptSetFormats.ReadJsonl(text);
        var set = await sets.CreateAsync(actor, name ?? "Imported prompts", "", items, Guid.NewGuid());
        return Results.Created($"/api/prompt-sets/{set.State.Id}", SetBody(set));
    });

    private static Task<IResult> GetSet(HttpContext http, PromptSets sets, Guid id, int? version) => Guarded(async () =>
    {
        var set = await sets.ReadAsync(id, version) ?? throw new NotFoundException("No such prompt set or version.");
        http.Response.Headers.ETag = $"\"v{set.State.Version}\"";
        return Results.Ok(SetBody(set));
    });

    private static Task<IResult> ExportSet(PromptSets sets, Guid id, int? version, string? format) => Guarded(async () =>
    {
        var set = await sets.ReadAsync(id, version) ?? throw new NotFoundException("No such prompt set or version.");
        var csv = FormatOf(format, null) == "csv";
        var body = csv ? PromptSetFormats.WriteCsv(set.State.Items) : PromptSetFormats.WriteJsonl(set.State.Items);
        return Results.File(Encoding.UTF8.GetBytes(body), csv ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8",
            $"prompt-set-{id:N}-v{set.State.Version}.{(csv ? "csv" : "jsonl")}");
    });

    /// <summary>Adds or replaces items; <c>If-Match: "v{version}"</c> is required, and a stale one answers 409.</summary>
    private static Task<IResult> SaveItems(HttpContext http, PromptSets sets, Guid id) => Guarded(async () =>
    {
        var actor = RequireActor(http);
        var ifMatch = http.Request.Headers.IfMatch.ToString().Trim('"');
        if (!ifMatch.StartsWith('v') || !int.TryParse(ifMatch[1..], out var version))
            throw new ValidationException("If-Match", "Send the version you edited as If-Match: \"v{version}\" (from the set's ETag).");
        var body = await ReadJson<PromptSetPost>(http);
        try
        {
            var set = await sets.SaveItemsAsync(actor, id, version, body.Items ?? [], "api", body.CommandId ?? Guid.NewGuid());
            http.Response.Headers.ETag = $"\"v{set.State.Version}\"";
            return Results.Ok(SetBody(set));
        }
        catch (WrongExpectedVersionException e)
        {
            return Results.Problem(statusCode: 409, title: "Changed meanwhile", detail: e.Message);
        }
    });

    private static Task<IResult> Estimate(HttpContext http, ExperimentCommands commands, ConstitutionQueries constitutions) => Guarded(async () =>
    {
        var actor = RequireActor(http);
        var command = await CommandAsync(await ReadJson<ExperimentPost>(http), constitutions);
        var cost = await commands.EstimateAsync(actor, command);
        return Results.Ok(new { cost, summary = cost.Summary, arms = command.Arms });
    });

    private static Task<IResult> Create(HttpContext http, ExperimentCommands commands, ConstitutionQueries constitutions) => Guarded(async () =>
    {
        var actor = RequireActor(http);
        var body = await ReadJson<ExperimentPost>(http);
        var row = await commands.CreateAsync(actor, await CommandAsync(body, constitutions), body.CommandId ?? Guid.NewGuid());
        return Results.Created($"/api/experiments/{row.Id}", new { id = row.Id, row.Name, row.Status, cost = row.Definition.Cost, summary = row.Definition.Cost.Summary });
    });

    private static Task<IResult> Get(HttpContext http, ExperimentQueries queries, ConstitutionQueries constitutions, Guid id) => Guarded(async () =>
    {
        var row = await ReadableAsync(http, queries, constitutions, id);
        return Results.Ok(new
        {
            id = row.Id, row.Name, row.OwnerName, row.Status, definition = row.Definition,
            progress = await queries.ProgressAsync(id),
            judging = row.Definition.Judge is null ? null : await queries.ProgressAsync(id, WorkItem.Judge),
            scoring = row.Definition.Rubric is null ? null : await queries.ProgressAsync(id, WorkItem.Score),
            critiques = await queries.ProgressAsync(id, WorkItem.Critique),
            failures = await queries.FailuresAsync(id),
        });
    });

    /// <summary>The judge's ratings, or with <c>source=human</c> the ratings from people's blind votes and their agreement.</summary>
    private static Task<IResult> Ratings(HttpContext http, ExperimentResults results, ExperimentQueries queries, ConstitutionQueries constitutions,
        Guid id, string? source) => Guarded(async () =>
    {
        await ReadableAsync(http, queries, constitutions, id);
        if (!FromPeople(source))
        {
            var ratings = await results.JudgeRatingsAsync(id);
            var bias = ExperimentResults.Bias(await results.JudgmentsAsync(id));
            return Results.Ok(RatingsBody(ratings, new
            {
                positionBias = new { bias.Decisive, bias.PickedFirst, firstShare = Number(bias.FirstShare), bias.Disagreements, bias.Pairs },
            }));
        }
        var people = await results.HumanResultsAsync(id);
        return Results.Ok(RatingsBody(people.Ratings, new
        {
            bothBad = people.BothBad,
            judgeAgreement = new { people.Judge.Pairs, people.Judge.Agreeing, share = Number(people.Judge.Share), kappa = Number(people.Judge.Kappa) },
            voterAgreement = new { people.Voters.Pairs, people.Voters.VoterPairs, people.Voters.Agreeing, share = Number(people.Voters.Share) },
        }));
    });

    /// <summary>
    /// The run page's charts as downloads: <c>ratings</c> or <c>effects</c> (factorial runs), as <c>svg</c> or <c>png</c>
    /// (rasterised by rsvg-convert), from the judge's verdicts or with <c>source=human</c> people's votes;
    /// <c>hideArms=true</c> labels arms by letter only. The SVG is served under a CSP that allows nothing to run.
    /// </summary>
    private static Task<IResult> Chart(HttpContext http, ExperimentResults results, ExperimentQueries queries, ConstitutionQueries constitutions,
        SvgRaster raster, Guid id, string chart, string format, string? source, bool? hideArms) => Guarded(async () =>
    {
        await ReadableAsync(http, queries, constitutions, id);
        if (chart is not ("ratings" or "effects")) throw new ValidationException("chart", "The chart is ratings or effects.");
        if (format is not ("svg" or "png")) throw new ValidationException("format", "A chart downloads as svg or png.");
        var people = FromPeople(source);
        var ratings = people ? (await results.HumanResultsAsync(id)).Ratings : await results.JudgeRatingsAsync(id);
        if (ratings.Votes == 0) throw new NotFoundException(people ? "No votes yet: nothing to chart." : "No verdicts yet: nothing to chart.");
        if (chart == "effects" && ratings.Effects.Count == 0)
            throw new NotFoundException("This run estimates no section effects (it is not a factorial design).");
        var svg = chart == "ratings" ? ExperimentCharts.Ratings(ratings, hideArms == true) : ExperimentCharts.Effects(ratings);
        var name = $"{chart}-{(people ? "people" : "judge")}.{format}";
        if (format == "png") return Results.File(await raster.PngAsync(svg, null, null, http.RequestAborted), "image/png", name);
        // Opened directly, an SVG is a document: nothing in it may run or load.
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";
        return Results.File(Encoding.UTF8.GetBytes(svg), "image/svg+xml", name);
    });

    /// <summary>Rubric results: per arm and section the mean score with its 95% interval, and every output's scores with the judge's reasons.</summary>
    private static Task<IResult> Rubric(HttpContext http, ExperimentResults results, ExperimentQueries queries, ConstitutionQueries constitutions,
        Guid id) => Guarded(async () =>
    {
        var row = await ReadableAsync(http, queries, constitutions, id);
        if (row.Definition.Rubric is null) throw new NotFoundException("This experiment has no rubric scoring.");
        var scores = await results.ScoresAsync(id);
        return Results.Ok(new
        {
            sections = row.Definition.Rubric.Sections,
            progress = await queries.ProgressAsync(id, WorkItem.Score),
            summary = RubricResults.Summarize(row.Definition, scores).Select(r => new
            {
                r.Arm, r.Label, r.SectionId, r.Heading, r.Count, mean = Number(r.Mean), lower = Number(r.Lower), upper = Number(r.Upper),
            }),
            scores,
        });
    });

    /// <summary>Asks the judge for critiques and revisions of the chosen outputs (the owner only); 202 with how many were asked for.</summary>
    private static Task<IResult> RequestCritiques(HttpContext http, ExperimentCommands commands, ExperimentQueries queries,
        ConstitutionQueries constitutions, Guid id) => Guarded(async () =>
    {
        var actor = RequireActor(http);
        await StartersOnlyAsync(http, queries, constitutions, id);
        var body = await ReadJson<CritiquesPost>(http);
        var requested = await commands.RequestCritiquesAsync(actor, id, body.Arms, body.ItemIds, body.CommandId ?? Guid.NewGuid(),
            (await DocumentIdAsync(body.PromptSlug, constitutions), body.PromptRevision));
        return Results.Accepted($"/api/experiments/{id}/critiques/export", new { requested });
    });

    /// <summary>
    /// The critiques done so far as JSONL (schema: Schemas/critique.schema.json); how many are still to come is in
    /// <c>X-Critiques-Pending</c> (pending or running) and <c>X-Critiques-Failed</c>.
    /// </summary>
    private static Task<IResult> ExportCritiques(HttpContext http, ExperimentResults results, ExperimentQueries queries, PromptSets sets,
        ConstitutionQueries constitutions, Guid id, string? arm) => Guarded(async () =>
    {
        await ReadableAsync(http, queries, constitutions, id);
        var progress = await queries.ProgressAsync(id, WorkItem.Critique);
        var jsonl = TrainingExports.CritiquesJsonl(await results.TrainingSourceAsync(id, sets, constitutions), arm);
        http.Response.Headers["X-Critiques-Pending"] = (progress.Pending + progress.Running).ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["X-Critiques-Failed"] = progress.Failed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.File(Encoding.UTF8.GetBytes(jsonl), "application/jsonl; charset=utf-8", $"experiment-{id:N}-critiques.jsonl");
    });

    private static Dictionary<string, object?> RatingsBody(Ratings ratings, object extra)
    {
        var body = new Dictionary<string, object?>
        {
            ["source"] = ratings.Source, ["votes"] = ratings.Votes,
            ["leaderboard"] = ratings.Leaderboard.Select(r => new
            {
                arm = r.Letter, r.Label, rating = r.Rating.Rating, lower = r.Rating.RatingLower, upper = r.Rating.RatingUpper,
                strength = r.Rating.Strength, winRate = Number(r.WinRate), r.Comparisons,
            }),
            ["winRates"] = ratings.Letters.Select((a, i) => ratings.Letters.Select((b, j) => Number(ratings.WinRates[i, j])).ToArray()).ToArray(),
            ["arms"] = ratings.Letters,
            ["effects"] = ratings.Effects.Select(e => new { e.SectionId, e.Heading, e.Variant, e.ReferenceVariant, e.Beta, e.StandardError,
                e.Points, e.PointsLower, e.PointsUpper, sentence = e.SentenceFor(ratings.Source) }),
        };
        foreach (var property in extra.GetType().GetProperties()) body[property.Name] = property.GetValue(extra);
        return body;
    }

    private static double? Number(double value) => double.IsNaN(value) ? null : value;

    private static bool FromPeople(string? source) => source switch
    {
        null or "judge" => false,
        "human" => true,
        _ => throw new ValidationException("source", "source is judge or human."),
    };

    /// <summary>
    /// The training data as JSONL. Each download records the export (<see cref="TrainingExportLog"/>) and names it in
    /// <c>X-Export-Id</c> (an empty export has no id), the file's SHA-256, by which a model trained on it is registered.
    /// </summary>
    private static Task<IResult> Export(HttpContext http, ExperimentResults results, ExperimentQueries queries, PromptSets sets,
        ConstitutionQueries constitutions, TrainingExportLog exports, Guid id, string? format, string? arm, double? minMargin, string? systemPrompt,
        string? source) => Guarded(async () =>
    {
        await ReadableAsync(http, queries, constitutions, id);
        var name = format ?? "sft-openai";
        if (!TrainingExports.Formats.TryGetValue(name, out var training))
            throw new ValidationException("format", $"format is one of {string.Join(", ", TrainingExports.Formats.Keys)}.");
        var data = await results.TrainingSourceAsync(id, sets, constitutions);
        var from = source switch
        {
            null or "judge" => PreferenceSource.Judge,
            "human" => PreferenceSource.People,
            "rubric" => PreferenceSource.Rubric,
            _ => throw new ValidationException("source", "source is judge, human or rubric."),
        };
        var export = TrainingExports.Export(data, new TrainingRequest(training, arm, minMargin ?? 1, systemPrompt, from));
        await exports.RecordAsync(AccountsSetup.ToActor(http.User), export.Facts, http.RequestAborted);
        if (export.Facts.Records > 0) http.Response.Headers["X-Export-Id"] = export.Facts.ExportId;
        return Results.File(Encoding.UTF8.GetBytes(export.Jsonl), "application/jsonl; charset=utf-8", $"experiment-{id:N}-{name}.jsonl");
    });

    /// <summary>Arms from the body, or from its factorial design (sections by id, on one revision).</summary>
    private static async Task<CreateExperiment> CommandAsync(ExperimentPost body, ConstitutionQueries constitutions)
    {
        async Task<ConstitutionRow> Constitution(string? slug) =>
            await constitutions.BySlugAsync(slug ?? "") ?? throw new ValidationException("slug", $"No constitution '{slug}'.");
        List<Arm> arms = [];
        List<Factor> factors = [];
        if (body.Design is { } design)
        {
            var row = await Constitution(design.Slug);
            var revision = await constitutions.RevisionAsync(row.Id, design.Revision)
                ?? throw new ValidationException("design", $"Revision {design.Revision} of '{row.Slug}' does not exist.");
            foreach (var f in design.Factors ?? [])
            {
                var section = revision.Sections.FirstOrDefault(s => s.Id == f.Section)
                    ?? throw new ValidationException("design", $"Revision {design.Revision} has no section '{f.Section}'.");
                factors.Add(new Factor(section.Id, section.Heading, f.Variants ?? []));
            }
            var kind = design.Kind switch
            {
                null or "full" => FactorialKind.Full,
                "fractional" => FactorialKind.Fractional,
                _ => throw new ValidationException("design", "kind is full or fractional."),
            };
            arms.AddRange(ExperimentDesign.Factorial(row.Id, design.Revision, new Recipe(design.BaseRecipe ?? []), factors, kind));
        }
        else
        {
            foreach (var (a, i) in (body.Arms ?? []).Select((a, i) => (a, i)))
            {
                var row = await Constitution(a.Slug);
                arms.Add(new Arm(ExperimentDesign.LetterOf(i), a.Label ?? $"{row.Slug} r{a.Revision}", row.Id, a.Revision,
                    new Recipe(new SortedDictionary<string, string>(a.Recipe ?? [], StringComparer.Ordinal)), a.Model, a.Sampling));
            }
        }
        // Headings are filled from the revision when the experiment is checked.
        var rubric = body.Rubric is { } r
            ? new RubricSettings((r.Sections ?? []).Select(id => new RubricSection(id ?? "", "")).ToList(), r.Model,
                await DocumentIdAsync(r.PromptSlug, constitutions), r.PromptRevision)
            : null;
        return new CreateExperiment(body.Name ?? "", body.PromptSetId, body.PromptSetVersion, arms, body.Samples ?? 1, factors,
            await JudgeAsync(body.Judge, constitutions), rubric);
    }

    private static async Task<JudgeSettings?> JudgeAsync(JudgePost? judge, ConstitutionQueries constitutions) => judge is null ? null
        : new JudgeSettings(judge.Model, judge.OnlyVariedSections, await DocumentIdAsync(judge.PromptSlug, constitutions), judge.PromptRevision);

    /// <summary>A prompt document named by its slug, as the commands take it: its id (an unknown slug an id that names
    /// nothing, so the command's answer is the same as for a document the person cannot read); no slug, null.</summary>
    private static async Task<Guid?> DocumentIdAsync(string? slug, ConstitutionQueries constitutions) =>
        slug is null ? null : (await constitutions.BySlugAsync(slug))?.Id ?? Guid.Empty;

    /// <summary>
    /// An experiment is readable by whoever may read every constitution it runs: outputs of a private constitution's
    /// arms reveal how it behaves. Unreadable answers as unknown, so ids of private experiments are not confirmed.
    /// </summary>
    public static async Task<ExperimentRow> ReadableAsync(HttpContext http, ExperimentQueries queries, ConstitutionQueries constitutions, Guid id) =>
        await ExperimentAccess.ReadableAsync(queries, constitutions, id, AccountsSetup.ToActor(http.User));

    /// <summary>Before an action only the person who started the experiment may take: see <see cref="ExperimentAccess.HideFromNonReadersAsync"/>.</summary>
    public static Task StartersOnlyAsync(HttpContext http, ExperimentQueries queries, ConstitutionQueries constitutions, Guid id) =>
        ExperimentAccess.HideFromNonReadersAsync(queries, constitutions, id, RequireActor(http));

    private static object SetBody(PromptSetView set) => new
    {
        id = set.State.Id, set.State.Name, set.State.Description, set.State.Version, set.OwnerName, items = set.State.Items,
    };

    private static string FormatOf(string? format, string? contentType) =>
        (format?.ToLowerInvariant() ?? (contentType?.Contains("csv", StringComparison.OrdinalIgnoreCase) == true ? "csv" : "jsonl")) switch
        {
            var f when f is "csv" or "jsonl" => f,
            _ => throw new ValidationException("format", "format is jsonl or csv."),
        };

    internal static Actor RequireActor(HttpContext http) =>
        AccountsSetup.ToActor(http.User) ?? throw new UnauthorizedAccessException("Sign in to create or steer experiments.");

    private static async Task<string> ReadTextAsync(HttpContext http)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBodyBytes;
        try
        {
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            return await reader.ReadToEndAsync();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new ValidationException("body", $"The file is larger than {PromptSetFormats.MaxImportBytes / 1024 / 1024} MB.");
        }
    }

    internal static async Task<T> ReadJson<T>(HttpContext http)
    {
        if (http.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
            throw new ValidationException("Content-Type", "Send JSON with Content-Type: application/json.");
        try
        {
            return JsonSerializer.Deserialize<T>(await ReadTextAsync(http), HubJson.Options) ?? throw new ValidationException("body", "The body is empty.");
        }
        catch (JsonException e)
        {
            throw new ValidationException("body", $"The body is not valid JSON: {e.Message}");
        }
    }

    internal static async Task<IResult> Guarded(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (ValidationException e)
        {
            return Results.Problem(statusCode: 400, title: "Invalid request", detail: e.Message, extensions: new Dictionary<string, object?> { ["field"] = e.Field });
        }
        catch (NotFoundException e)
        {
            return Results.Problem(statusCode: 404, title: "Not found", detail: e.Message);
        }
        catch (ForbiddenException e)
        {
            return Results.Problem(statusCode: 403, title: "Forbidden", detail: e.Message);
        }
        catch (ConflictException e)
        {
            return Results.Problem(statusCode: 409, title: "Conflict", detail: e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            return Results.Problem(statusCode: 401, title: "Sign in required", detail: e.Message);
        }
    }
}
