using Npgsql;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace ConstitutionHub.Core.People;

/// <summary>A signed-in person as the core sees them: a stable id (provider-prefixed, such as <c>local:ada</c>
/// or <c>oidc:auth0|123</c>), the name shown next to what they did, and whether they are a site admin (from a
/// configured claim of their identity provider).</summary>
public sealed record Actor(string Id, string Name, bool IsAdmin = false)
{
    public static readonly Actor System = new("system", "ConstitutionHub");
}

/// <summary>People who signed in (not event-sourced: a sign-in is not history anyone reads).</summary>
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

    /// <summary>The table, created and migrated by Marten with its own objects.</summary>
    internal static Table Table()
    {
        var users = new Table(Streams.HubMarten.Table("users"));
        users.AddColumn("id", "text").AsPrimaryKey();
        users.AddColumn("display_name", "text").NotNull();
        users.AddColumn("provider", "text").NotNull();
        users.AddColumn("created", "timestamp with time zone").NotNull().DefaultValueByExpression("now()");
        users.AddColumn("last_seen", "timestamp with time zone").NotNull().DefaultValueByExpression("now()");
        return users;
    }
}
