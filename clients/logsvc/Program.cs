using System.CommandLine;
using LogService.Cli.Commands;

// logsvc: the LogService command line. Each command lives in its own file under Commands/.
var root = new RootCommand("LogService command line: tamper-evident, confidential logs.");
root.Subcommands.Add(DemoCommand.Create());
return root.Parse(args).Invoke();
