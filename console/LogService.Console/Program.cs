using LogService.Console;

ConsoleHost.Build(args).Run();

/// <summary>The Web Log Console for reviewers.</summary>
public partial class Program;
