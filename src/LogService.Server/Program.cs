using LogService.Server.Capture;
using LogService.Server.Hosting;
using LogService.Server.Reading;
using LogService.Server.Streams;
using LogService.Server.Writing;

// init | issuer | local run here; anything else runs one replica (see ServerCommands).
if (await ServerCommands.TryRunAsync(args) is { } exitCode)
{
    return exitCode;
}

var builder = ServerCommands.CreateReplicaBuilder(args);
builder.AddReplicaHost();
builder.Services.AddStreamAdministration();
builder.Services.AddWritePath();
builder.Services.AddLogServiceReads(builder.Configuration);
builder.Services.AddProtocolCapture();

// Further API parts register their services here.

var app = builder.Build();
app.UseReplicaHost();
app.MapDeploymentEndpoints();
app.MapStreamEndpoints();
app.MapWriteEndpoints();
app.MapReadEndpoints();

// Further API parts map their endpoints here.

await app.RunAsync();
return 0;

/// <summary>The LogService replica host.</summary>
public partial class Program;
