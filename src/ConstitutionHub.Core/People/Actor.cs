using Npgsql;

namespace ConstitutionHub.Core.People;

/// <summary>A signed-in person as the core sees them: a stable id (provider-prefixed, such as <c>local:ada</c>
/// or <c>oidc:auth0|123</c>) and the name shown next to what they did.</summary>
public sealed record Actor(string Id, string Name)
{
    public static readonly Actor System = new("system", "ConstitutionHub");
}

public sealed class Users(NpgsqlDataSource dataSource)
{
    public async Task RememberAsync(Actor actor, string provider, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            insert into users (id, display_name, provider) values (@id, @name, @provider)
            on conflict (id) do update set display_name = @name, last_seen = now()
            """);
        command.Parameters.AddWithValue("id", actor.Id);
        command.Parameters.AddWithValue("name", actor.Name);
        command.Parameters.AddWithValue("provider", provider);
        await command.ExecuteNonQueryAsync(ct);
    }
}
