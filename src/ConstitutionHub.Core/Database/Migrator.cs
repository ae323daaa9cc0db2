using System.Reflection;
using Npgsql;

namespace ConstitutionHub.Core.Database;

/// <summary>
/// Applies the numbered SQL files embedded from Database/Migrations in order, each once, each in its own
/// transaction. An advisory lock lets several web nodes start against one database at the same time.
/// </summary>
public static class Migrator
{
    private const long LockKey = 0x43_48_55_42; // "CHUB"

    public static IReadOnlyList<(int Version, string Name, string Sql)> Migrations { get; } = Load();

    public static async Task<int> ApplyAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await Execute(connection, "select pg_advisory_lock(@key)", ct, ("key", LockKey));
        try
        {
            await Execute(connection, """
                create table if not exists schema_migrations (
                    version int primary key, name text not null, applied timestamptz not null default now())
                """, ct);
            var applied = new HashSet<int>();
            await using (var command = new NpgsqlCommand("select version from schema_migrations", connection))
            await using (var reader = await command.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) applied.Add(reader.GetInt32(0));

            var count = 0;
            foreach (var (version, name, sql) in Migrations.Where(m => !applied.Contains(m.Version)))
            {
                await using var tx = await connection.BeginTransactionAsync(ct);
                await Execute(connection, sql, ct);
                await Execute(connection, "insert into schema_migrations (version, name) values (@v, @n)", ct, ("v", version), ("n", name));
                await tx.CommitAsync(ct);
                count++;
            }
            return count;
        }
        finally
        {
            await Execute(connection, "select pg_advisory_unlock(@key)", CancellationToken.None, ("key", LockKey));
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static List<(int, string, string)> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        const string prefix = "ConstitutionHub.Core.Database.Migrations.";
        var list = new List<(int, string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var name = resource[prefix.Length..^".sql".Length];
            var version = int.Parse(name[..name.IndexOf('_')], System.Globalization.CultureInfo.InvariantCulture);
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            list.Add((version, name, reader.ReadToEnd()));
        }
        list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return list;
    }
}
