using System.CommandLine;
using OncRpc.Tool.Commands;

// A plain Command named "oncrpc" rather than RootCommand: RootCommand names itself after the entry
// assembly (OncRpc.Tool), but users type the tool's command name.
var root = new Command("oncrpc", "ONC RPC (Sun RPC) toolkit for .NET: call procedures, compile .x files, query and run rpcbind, list the binder")
{
    new System.CommandLine.Help.HelpOption(),
    new VersionOption(),
};
root.Subcommands.Add(CallCommand.Create());
root.Subcommands.Add(GenCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(RpcbindCommand.Create());
root.Subcommands.Add(BinderCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
