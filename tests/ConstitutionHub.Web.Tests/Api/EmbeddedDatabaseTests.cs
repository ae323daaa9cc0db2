using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Api;

public sealed class EmbeddedDatabaseTests
{
    [Fact]
    public async Task With_no_connection_string_the_app_runs_its_own_PostgreSQL_and_a_second_start_keeps_the_data()
    {
        var root = Path.Combine(Path.GetTempPath(), $"chub-embedded-{Guid.NewGuid():N}");
        var config = new Dictionary<string, string?> { ["Database:DataDirectory"] = root, ["Logging:LogLevel:Default"] = "Warning" };
        // Also when this test process is killed: no cluster and no folder left behind.
        Core.Database.EmbeddedPostgres.RemoveWhenProcessExits(root, Environment.ProcessId);
        try
        {
            await using (var first = await HubServer.StartWithAsync(config))
            {
                Assert.True(File.Exists(Path.Combine(root, "data", "PG_VERSION")), "initdb did not create the cluster");
                var client = await first.SignedInClientAsync("Ada");
                var created = await client.PostAsJsonAsync("/api/constitutions", new { slug = "kept", title = "Kept", markdown = "# Kept\n" });
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            }

            await using var second = await HubServer.StartWithAsync(config);
            var list = await second.Client().GetFromJsonAsync<JsonElement>("/api/constitutions");
            var slugs = list.EnumerateArray().Select(c => c.GetProperty("slug").GetString()).ToList();
            Assert.Contains("kept", slugs);
            Assert.Single(slugs, s => s == "baseline");
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            var pgCtl = Directory.GetFiles("/usr/lib/postgresql", "pg_ctl", SearchOption.AllDirectories).FirstOrDefault();
            if (Directory.Exists(Path.Combine(root, "data")) && pgCtl is not null)
            {
                // The app stops its cluster on shutdown; make sure of it before deleting the folder.
                using var stop = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("setpriv",
                    ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", pgCtl, "stop", "-D", Path.Combine(root, "data"), "-m", "immediate"])
                    { RedirectStandardError = true, RedirectStandardOutput = true });
                stop?.WaitForExit(10_000);
            }
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
