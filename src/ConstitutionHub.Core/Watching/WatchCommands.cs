using ConstitutionHub.Core.Annotations;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Streams;
using Npgsql;

namespace ConstitutionHub.Core.Watching;

/// <summary>Watch decisions: a choice that is already in force (by default or chosen before) adds nothing.</summary>
public static class WatchDecisions
{
    public static object? Decide(bool watchingNow, WatchTarget target, bool watch) =>
        watchingNow == watch ? null : watch ? new WatchStarted(target) : new WatchStopped(target);
}

/// <summary>
/// Watching and unwatching, for the Read page, the thread card and the API: the target is checked to exist and be
/// readable by the person, whether they watch it now comes from <see cref="Watchers"/> (defaults included), and the
/// choice is appended to their own watch stream.
/// </summary>
public sealed class WatchCommands(EventStreams streams, NpgsqlDataSource dataSource, ConstitutionQueries constitutions, AnnotationQueries annotations,
    TimeProvider time)
{
    /// <summary>The target on <paramref name="slug"/> the actor asks for, once it exists and they may read it.</summary>
    public async Task<WatchTarget> TargetAsync(Actor? actor, string slug, WatchKind kind, string? sectionId, Guid? annotationId, CancellationToken ct = default)
    {
        if (actor is null) throw new ForbiddenException("Sign in to watch.");
        var row = DocumentAccess.EnsureRead(await constitutions.BySlugAsync(slug, ct), actor);
        switch (kind)
        {
            case WatchKind.Constitution:
                return new WatchTarget(kind, row.Id);
            case WatchKind.Section:
                var head = await constitutions.RevisionAsync(row.Id, row.HeadRevision, ct);
                if (string.IsNullOrEmpty(sectionId) || head?.Sections.Any(s => s.Id == sectionId) != true)
                    throw new ValidationException("sectionId", "The newest revision has no such section.");
                return new WatchTarget(kind, row.Id, SectionId: sectionId);
            case WatchKind.Thread:
                var view = annotationId is { } id ? await annotations.ByIdAsync(id, ct) : null;
                if (view is null || view.Row.ConstitutionId != row.Id) throw new NotFoundException("No such annotation.");
                return new WatchTarget(kind, row.Id, AnnotationId: annotationId);
            default:
                throw new ValidationException("kind", "Watch a constitution, a section or a thread.");
        }
    }

    public async Task<bool> IsWatchingAsync(string personId, WatchTarget target, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            with t as (select @c::uuid as c, @a::uuid as a, @s::text[] as s, '{"{}"}'::text[] as h)
            select exists (select 1 from ({Watchers.Of(target.Kind)}) r where r.person_id = @p)
            """);
        command.Parameters.AddWithValue("c", target.ConstitutionId);
        command.Parameters.Add(new NpgsqlParameter<Guid?>("a", target.AnnotationId) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.AddWithValue("s", target.SectionId is { } s ? new[] { s } : Array.Empty<string>());
        command.Parameters.AddWithValue("p", personId);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The sections of a constitution the person chose to watch (nobody watches a section by default).</summary>
    public async Task<IReadOnlySet<string>> WatchedSectionsAsync(string personId, Guid constitutionId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "select target from watches where person_id = @p and constitution_id = @c and kind = 'Section' and watching");
        command.Parameters.AddWithValue("p", personId);
        command.Parameters.AddWithValue("c", constitutionId);
        var sections = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) sections.Add(reader.GetString(0));
        return sections;
    }

    /// <summary>Starts or stops watching; returns whether the actor watches the target afterwards.</summary>
    public async Task<bool> SetAsync(Actor actor, WatchTarget target, bool watch, CancellationToken ct = default)
    {
        var streamId = WatchStream.Id(actor.Id);
        var version = await streams.VersionAsync(streamId, ct);
        if (WatchDecisions.Decide(await IsWatchingAsync(actor.Id, target, ct), target, watch) is { } decided)
        {
            var commandId = Guid.NewGuid();
            await streams.AppendAsync(streamId, version, [new NewEvent(commandId, decided)],
                new EventMetadata(actor.Id, actor.Name, time.GetUtcNow(), commandId), ct);
        }
        return watch;
    }
}
