using ConstitutionHub.Web;
using JasperFx;

// `dotnet ConstitutionHub.Web.dll db-patch out.sql`, `db-apply`, `projections --rebuild`, `codegen write`, `help`:
// the JasperFx command line over the same app; anything else runs the app.
var app = await HubApp.BuildAsync(args);
if (HubApp.IsCommand(args)) return await app.RunJasperFxCommands(args);
await app.RunAsync();
return 0;
