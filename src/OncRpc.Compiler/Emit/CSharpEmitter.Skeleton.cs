using System.Collections.Generic;
using System.Linq;
using OncRpc.Compiler.Semantics;

namespace OncRpc.Compiler.Emit;

/// <summary>
/// One interface per program version, both ends' contract (the RMI view): the client class
/// implements it, and the service base adapts any implementation of it into a server
/// (<c>FromInterface</c>), so one object can be served, or called locally, or replaced by the
/// remote client. The server calls the interface's async methods with the call's cancellation
/// token, and makes the call's context <c>RpcCallContext.Current</c> around each call, since the
/// interface's methods have no context parameter.
/// </summary>
internal sealed partial class CSharpEmitter
{
    private void EmitInterface(ProgramSymbol program, VersionSymbol version, VersionNames names)
    {
        _w.Line("/// <summary>The calls of <c>" + program.Name + "</c> version " + U(version.Number).TrimEnd('u') + ".</summary>");
        _w.Open("public partial interface " + names.Interface);
        bool first = true;
        foreach (ProcedureSymbol procedure in version.Procedures)
        {
            if (!first)
            {
                _w.Line();
            }
            first = false;
            List<string> parameters = ParameterNames(procedure);
            string returns = procedure.Result is null ? Tasks + "Task" : Tasks + "Task<" + TypeName(procedure.Result) + ">";
            string signature = Signature(procedure, parameters);
            _w.Line("/// <summary>" + AsyncSummary(procedure) + "</summary>");
            _w.Line(returns + " " + names.Methods[procedure] + "(" + signature + (signature.Length > 0 ? ", " : "") + Token + " cancellationToken = default);");
            if (HasBlockingTwin(procedure))
            {
                _w.Line();
                _w.Line("/// <summary>" + BlockingSummary(procedure) + "</summary>");
                _w.Line(SyncReturns(procedure) + " " + names.SyncMethods[procedure] + "(" + signature + (signature.Length > 0 ? ", " : "") + Token + " cancellationToken = default);");
            }
        }
        _w.Close();
        _w.Line();
    }

    /// <summary>Inside the service base: <c>FromInterface</c> and the sealed adapter it returns.</summary>
    private void EmitInterfaceAdapter(ProgramSymbol program, VersionSymbol version, VersionNames names)
    {
        string contract = Qualified(names.Interface);
        _w.Line();
        _w.Line("/// <summary>A service that serves <paramref name=\"implementation\"/>: each call of <c>" + program.Name + "</c> version " +
            U(version.Number).TrimEnd('u') + " runs its async method with the call's cancellation token, the call's context being <see cref=\"global::OncRpc.Server.RpcCallContext.Current\"/> meanwhile.</summary>");
        _w.Open("public static " + names.Service + " FromInterface(" + contract + " implementation)");
        _w.Line("return new InterfaceService(implementation ?? throw new global::System.ArgumentNullException(nameof(implementation)));");
        _w.Close();
        _w.Line();
        _w.Open("private sealed class InterfaceService : " + names.Service);
        _w.Line("private readonly " + contract + " _implementation;");
        _w.Line();
        _w.Open("public InterfaceService(" + contract + " implementation)");
        _w.Line("_implementation = implementation;");
        _w.Close();
        foreach (ProcedureSymbol procedure in version.Procedures)
        {
            List<string> parameters = ParameterNames(procedure);
            string signature = Signature(procedure, parameters);
            string returns = procedure.Result is null ? Tasks + "ValueTask" : Tasks + "ValueTask<" + TypeName(procedure.Result) + ">";
            string call = "_implementation." + names.Methods[procedure] + "(" + string.Join("", parameters.Select(p => p + ", ")) + "context.CancellationToken)";
            _w.Line();
            _w.Open("public override async " + returns + " " + names.Methods[procedure] + "(" + signature + (signature.Length > 0 ? ", " : "") + "global::OncRpc.Server.RpcCallContext context)");
            _w.Open("using (context.MakeCurrent())");
            _w.Line((procedure.Result is null ? "await " : "return await ") + call + ".ConfigureAwait(false);");
            _w.Close();
            _w.Close();
        }
        _w.Close();
    }
}
