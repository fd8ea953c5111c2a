var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.Run();

/// <summary>The LogService replica host.</summary>
public partial class Program;
