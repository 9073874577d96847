using System.CommandLine;
using OncRpc.Tool.Commands;

var root = new RootCommand("oncrpc: ONC RPC (Sun RPC) toolkit for .NET");
root.Subcommands.Add(GenCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(RpcbindCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
