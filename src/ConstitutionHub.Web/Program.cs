using ConstitutionHub.Web;

var app = HubApp.Build(args);
await app.RunAsync();
