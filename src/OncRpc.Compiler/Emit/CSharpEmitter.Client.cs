using System.Collections.Generic;
using OncRpc.Compiler.Semantics;
using OncRpc.Compiler.Syntax;

namespace OncRpc.Compiler.Emit;

internal sealed partial class CSharpEmitter
{
    private void EmitClient(ProgramSymbol program, VersionSymbol version, VersionNames names, string procs)
    {
        _w.Line("/// <summary>Client for <c>" + program.Name + "</c> version " + U(version.Number).TrimEnd('u') + " over any <see cref=\"global::OncRpc.Client.RpcClient\"/> (which owns transport, xids, retries and auth).</summary>");
        _w.Open("public partial class " + names.Client + " : " + Qualified(names.Interface));
        _w.Open("public " + names.Client + "(global::OncRpc.Client.RpcClient rpcClient)");
        _w.Line("RpcClient = rpcClient ?? throw new global::System.ArgumentNullException(nameof(rpcClient));");
        _w.Close();
        _w.Line();
        _w.Line("/// <summary>The connection calls go through.</summary>");
        _w.Line("public global::OncRpc.Client.RpcClient RpcClient { get; }");
        foreach (ProcedureSymbol procedure in version.Procedures)
        {
            _w.Line();
            EmitClientMethods(procedure, names, procs);
        }
        _w.Close();
        _w.Line();
    }

    private void EmitClientMethods(ProcedureSymbol procedure, VersionNames names, string procs)
    {
        List<string> parameters = ParameterNames(procedure);
        string signature = Signature(procedure, parameters);
        string argumentsType = ArgumentsType(names, procedure, procs);
        string resultType = ResultType(names, procedure, procs);
        string argumentsValue = procedure.Arguments.Count == 0 ? "default"
            : names.ArgumentStructs.ContainsKey(procedure) || PrimitiveWrapper(procedure.Arguments[0]) is not null
                ? "new " + argumentsType + "(" + string.Join(", ", parameters) + ")"
                : parameters[0];
        string descriptor = procs + "." + names.Descriptors[procedure];
        string head = names.Methods[procedure] + "(" + signature + (signature.Length > 0 ? ", " : "") + Token + " cancellationToken = default)";
        // Undeclared procedures document themselves on the interface only, as they always have;
        // a declared one says here too what a caller of the class gets.
        bool documented = procedure.DeclaredSemantics is not null;
        if (documented)
        {
            _w.Line("/// <summary>" + AsyncSummary(procedure) + "</summary>");
        }
        if (procedure.Semantics == CallSemantics.Maybe)
        {
            // The binder guarantees a void result: a one-way call has no reply to decode.
            _w.Line("public " + Tasks + "Task " + head + " =>");
            _w.Line("    RpcClient.SendOneWayAsync<" + argumentsType + ">(" + descriptor + ", " + argumentsValue + ", cancellationToken).AsTask();");
            return;
        }
        string call = "RpcClient.CallAsync<" + argumentsType + ", " + resultType + ">(" + descriptor + ", " + argumentsValue + ", cancellationToken)";
        if (procedure.Result is null)
        {
            _w.Open("public async " + Tasks + "Task " + head);
            _w.Line("await " + call + ".ConfigureAwait(false);");
            _w.Close();
        }
        else if (IsDirect(procedure.Result))
        {
            _w.Line("public " + Tasks + "Task<" + TypeName(procedure.Result) + "> " + head + " =>");
            _w.Line("    " + call + ".AsTask();");
        }
        else
        {
            _w.Open("public async " + Tasks + "Task<" + TypeName(procedure.Result) + "> " + head);
            _w.Line(resultType + " result = await " + call + ".ConfigureAwait(false);");
            _w.Line("return result.Value;");
            _w.Close();
        }
        _w.Line();
        if (documented)
        {
            _w.Line("/// <summary>" + BlockingSummary(procedure) + "</summary>");
        }
        string syncCall = "RpcClient.Call<" + argumentsType + ", " + resultType + ">(" + descriptor + ", " + argumentsValue + ", cancellationToken)";
        string syncHead = names.SyncMethods[procedure] + "(" + signature + (signature.Length > 0 ? ", " : "") + Token + " cancellationToken = default)";
        if (procedure.Result is null)
        {
            _w.Open("public void " + syncHead);
            _w.Line(syncCall + ";");
            _w.Close();
        }
        else
        {
            _w.Line("public " + SyncReturns(procedure) + " " + syncHead + " =>");
            _w.Line("    " + syncCall + (IsDirect(procedure.Result) ? ";" : ".Value;"));
        }
    }
}
