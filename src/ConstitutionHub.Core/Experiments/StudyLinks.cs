using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Core.Streams;
using Npgsql;

namespace ConstitutionHub.Core.Experiments;

public sealed record StudyLinkRow(Guid Id, Guid ExperimentId, DateTimeOffset? Expires, DateTimeOffset Created, DateTimeOffset? Revoked);

/// <summary>A new study link; <paramref name="Token"/> is shown once, to put in the URL.</summary>
public sealed record CreatedStudyLink(string Token, StudyLinkRow Link);

/// <summary>
/// Study links: the owner of an experiment lets people without an account vote on it. The token scheme is the share
/// links' (<see cref="ShareLinks"/>): 256 random bits, only the hash kept, unknown, revoked and expired alike (null).
/// </summary>
public sealed class StudyLinks(EventStreams streams, NpgsqlDataSource dataSource, ExperimentQueries experiments, TimeProvider? clock = null)
{
    private readonly TimeProvider time = clock ?? TimeProvider.System;

    public async Task<CreatedStudyLink> CreateAsync(Actor actor, Guid experimentId, DateTimeOffset? expires = null, CancellationToken ct = default)
    {
        var experiment = await experiments.ExperimentAsync(experimentId, ct) ?? throw new NotFoundException("No such experiment.");
        if (experiment.OwnerId != actor.Id) throw new ForbiddenException("Only the person who started this experiment can invite voters.");
        var now = time.GetUtcNow();
        ShareLinks.CheckExpiry(expires, now);
        var token = ShareLinks.NewToken();
        var linkId = Guid.CreateVersion7(now);
        await streams.AppendAsync(HumanVoteStream.StudyLinkId(linkId), ExpectedVersion.NoStream,
            [new NewEvent(Guid.NewGuid(), new StudyLinkCreated(linkId, ShareLinks.Hash(token), experimentId, expires))],
            new EventMetadata(actor.Id, actor.Name, now, Guid.NewGuid()), ct);
        return new CreatedStudyLink(token, (await ReadAsync("id = @id", linkId, ct)).Single());
    }

    /// <summary>The active link behind <paramref name="token"/>, or null when it is unknown, revoked or expired.</summary>
    public async Task<StudyLinkRow?> ResolveAsync(string? token, CancellationToken ct = default)
    {
        if (!ShareLinks.LooksLikeToken(token)) return null;
        var link = (await ReadAsync("token_hash = @id", ShareLinks.Hash(token!), ct)).SingleOrDefault();
        return link is { Revoked: null } && (link.Expires is null || link.Expires > time.GetUtcNow()) ? link : null;
    }

    /// <summary>Ends a link of <paramref name="experimentId"/> at once; only its creator may, and revoking twice is harmless.</summary>
    public async Task RevokeAsync(Actor actor, Guid experimentId, Guid linkId, CancellationToken ct = default)
    {
        var link = (await ReadAsync("id = @id and created_by_id = @creator", linkId, ct, actor.Id)).SingleOrDefault(l => l.ExperimentId == experimentId)
            ?? throw new NotFoundException("No such study link of yours.");
        if (link.Revoked is not null) return;
        try
        {
            await streams.AppendAsync(HumanVoteStream.StudyLinkId(linkId), 1, [new NewEvent(Guid.NewGuid(), new StudyLinkRevoked(linkId))],
                new EventMetadata(actor.Id, actor.Name, time.GetUtcNow(), Guid.NewGuid()), ct);
        }
        catch (WrongExpectedVersionException)
        {
            // Revoked at the same moment by another request: ended either way.
        }
    }

    public Task<IReadOnlyList<StudyLinkRow>> ListAsync(Guid experimentId, CancellationToken ct = default) =>
        ReadAsync("experiment_id = @id", experimentId, ct);

    private async Task<IReadOnlyList<StudyLinkRow>> ReadAsync(string where, object id, CancellationToken ct, string? creator = null)
    {
        await using var command = dataSource.CreateCommand(
            $"select id, experiment_id, expires, created, revoked from experiment_study_links where {where} order by created desc");
        command.Parameters.AddWithValue("id", id);
        if (creator is not null) command.Parameters.AddWithValue("creator", creator);
        var rows = new List<StudyLinkRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new StudyLinkRow(reader.GetGuid(0), reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4)));
        return rows;
    }
}
