using System.Collections.Generic;
using System.Linq;
using OncRpc.Compiler.Semantics;

namespace OncRpc.Compiler.Emit;

internal sealed partial class CSharpEmitter
{
    private void EmitVersion(ProgramSymbol program, VersionSymbol version)
    {
        VersionNames names = _versionNames[version];
        string procs = Qualified(names.Procedures);
        _w.Line("/// <summary>Program <c>" + program.Name + "</c> (" + Hex(program.Number) + "), version <c>" + version.Name + "</c> (" + U(version.Number).TrimEnd('u') + "): numbers, names and a descriptor per procedure.</summary>");
        _w.Open("public static partial class " + names.Procedures);
        _w.Line("public const uint Program = " + Hex(program.Number) + "u;");
        _w.Line("public const uint Version = " + U(version.Number) + ";");
        _w.Line("public const string ProgramXdrName = " + Naming.Literal(program.Name) + ";");
        _w.Line("public const string VersionXdrName = " + Naming.Literal(version.Name) + ";");
        foreach (ProcedureSymbol procedure in version.Procedures)
        {
            _w.Line();
            _w.Line("/// <summary><c>" + procedure.Name + "</c> = " + U(procedure.Number).TrimEnd('u') + ".</summary>");
            _w.Line("public static readonly global::OncRpc.RpcProcedureDescriptor " + names.Descriptors[procedure] + " = new(Program, Version, " +
                U(procedure.Number) + ", ProgramXdrName, " + Naming.Literal(procedure.Name) + ");");
        }
        foreach (ProcedureSymbol procedure in version.Procedures)
        {
            if (names.ArgumentStructs.TryGetValue(procedure, out string? arguments))
            {
                _w.Line();
                var fields = new List<string>();
                for (int i = 0; i < procedure.Arguments.Count; i++)
                {
                    fields.Add(procedure.Arguments.Count == 1 ? "Value" : "Arg" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                EmitWrapperStruct(arguments, procedure.Arguments, fields, procedure.Name + " arguments");
            }
            if (names.ResultStructs.TryGetValue(procedure, out string? result))
            {
                _w.Line();
                EmitWrapperStruct(result, new[] { procedure.Result! }, new List<string> { "Value" }, procedure.Name + " result");
            }
        }
        _w.Close();
        _w.Line();
        if (_options.Client)
        {
            EmitClient(program, version, names, procs);
        }
        if (_options.Server)
        {
            EmitService(program, version, names, procs);
        }
    }

    private void EmitWrapperStruct(string name, IReadOnlyList<XdrType> types, List<string> fields, string what)
    {
        _w.Line("/// <summary>The " + what + " as one XDR value.</summary>");
        _w.Open("internal readonly struct " + name + " : " + Xdr + "IXdrSerializable<" + name + ">");
        var parameters = fields.Select(f => Naming.Escape(Naming.Camel(f))).ToList();
        _w.Open("public " + name + "(" + string.Join(", ", types.Select((t, i) => TypeName(t) + " " + parameters[i])) + ")");
        for (int i = 0; i < fields.Count; i++)
        {
            _w.Line(fields[i] + " = " + parameters[i] + ";");
        }
        _w.Close();
        for (int i = 0; i < fields.Count; i++)
        {
            _w.Line();
            _w.Line("public " + TypeName(types[i]) + " " + fields[i] + " { get; }");
        }
        _w.Line();
        _w.Open("public static " + name + " ReadFrom(ref " + Xdr + "XdrReader reader)");
        for (int i = 0; i < fields.Count; i++)
        {
            _w.Line(TypeName(types[i]) + " " + parameters[i] + ";");
            Read(types[i], parameters[i], 0);
        }
        _w.Line("return new " + name + "(" + string.Join(", ", parameters) + ");");
        _w.Close();
        _w.Line();
        _w.Open("public void WriteTo(ref " + Xdr + "XdrWriter writer)");
        for (int i = 0; i < fields.Count; i++)
        {
            Write(types[i], fields[i], what, 0);
        }
        _w.Close();
        _w.Close();
    }

    private string ArgumentsType(VersionNames names, ProcedureSymbol procedure, string procs) =>
        procedure.Arguments.Count == 0 ? Xdr + "XdrVoid"
        : names.ArgumentStructs.TryGetValue(procedure, out string? s) ? procs + "." + s
        : PrimitiveWrapper(procedure.Arguments[0]) ?? TypeName(procedure.Arguments[0]);

    private string ResultType(VersionNames names, ProcedureSymbol procedure, string procs) =>
        procedure.Result is null ? Xdr + "XdrVoid"
        : names.ResultStructs.TryGetValue(procedure, out string? s) ? procs + "." + s
        : PrimitiveWrapper(procedure.Result) ?? TypeName(procedure.Result);

    private string Signature(ProcedureSymbol procedure, List<string> parameters) =>
        string.Join(", ", procedure.Arguments.Select((t, i) => TypeName(t) + " " + parameters[i]));

    private void EmitClient(ProgramSymbol program, VersionSymbol version, VersionNames names, string procs)
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
            _w.Line("/// <summary>Calls <c>" + procedure.Name + "</c> (procedure " + U(procedure.Number).TrimEnd('u') + ").</summary>");
            _w.Line(returns + " " + names.Methods[procedure] + "(" + signature + (signature.Length > 0 ? ", " : "") + Token + " cancellationToken = default);");
            _w.Line();
            _w.Line("/// <summary>Calls <c>" + procedure.Name + "</c> (procedure " + U(procedure.Number).TrimEnd('u') + ") and blocks until the reply.</summary>");
            _w.Line(SyncReturns(procedure) + " " + names.SyncMethods[procedure] + "(" + signature + (signature.Length > 0 ? ", " : "") + Token + " cancellationToken = default);");
        }
        _w.Close();
        _w.Line();
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
            List<string> parameters = ParameterNames(procedure);
            string signature = Signature(procedure, parameters);
            string argumentsType = ArgumentsType(names, procedure, procs);
            string resultType = ResultType(names, procedure, procs);
            string argumentsValue = procedure.Arguments.Count == 0 ? "default"
                : names.ArgumentStructs.ContainsKey(procedure) || PrimitiveWrapper(procedure.Arguments[0]) is not null
                    ? "new " + argumentsType + "(" + string.Join(", ", parameters) + ")"
                    : parameters[0];
            string call = "RpcClient.CallAsync<" + argumentsType + ", " + resultType + ">(" + procs + "." + names.Descriptors[procedure] + ", " + argumentsValue + ", cancellationToken)";
            string head = names.Methods[procedure] + "(" + signature + (signature.Length > 0 ? ", " : "") + Token + " cancellationToken = default)";
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
            string syncCall = "RpcClient.Call<" + argumentsType + ", " + resultType + ">(" + procs + "." + names.Descriptors[procedure] + ", " + argumentsValue + ", cancellationToken)";
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
        _w.Close();
        _w.Line();
    }

    private string SyncReturns(ProcedureSymbol procedure) => procedure.Result is null ? "void" : TypeName(procedure.Result);

    private void EmitService(ProgramSymbol program, VersionSymbol version, VersionNames names, string procs)
    {
        _w.Line("/// <summary>Server side of <c>" + program.Name + "</c> version " + U(version.Number).TrimEnd('u') + ": implement the handlers, then add an instance to an <see cref=\"global::OncRpc.Server.RpcDispatcher\"/>.</summary>");
        _w.Open("public abstract partial class " + names.Service + " : global::OncRpc.Server.IRpcService");
        foreach (ProcedureSymbol procedure in version.Procedures)
        {
            List<string> parameters = ParameterNames(procedure);
            string signature = Signature(procedure, parameters);
            string returns = procedure.Result is null ? Tasks + "ValueTask" : Tasks + "ValueTask<" + TypeName(procedure.Result) + ">";
            _w.Line("/// <summary>Handles <c>" + procedure.Name + "</c> (procedure " + U(procedure.Number).TrimEnd('u') + ").</summary>");
            _w.Line("public abstract " + returns + " " + names.Methods[procedure] + "(" + signature + (signature.Length > 0 ? ", " : "") + "global::OncRpc.Server.RpcCallContext context);");
            _w.Line();
        }
        _w.Line("/// <summary>Registers every procedure of this version with <paramref name=\"dispatcher\"/>.</summary>");
        _w.Open("public virtual void Register(global::OncRpc.Server.RpcDispatcher dispatcher)");
        _w.Open("if (dispatcher is null)");
        _w.Line("throw new global::System.ArgumentNullException(nameof(dispatcher));");
        _w.Close();
        foreach (ProcedureSymbol procedure in version.Procedures)
        {
            string argumentsType = ArgumentsType(names, procedure, procs);
            string resultType = ResultType(names, procedure, procs);
            string unwrapped = procedure.Arguments.Count == 0 ? ""
                : names.ArgumentStructs.ContainsKey(procedure)
                    ? string.Join(", ", procedure.Arguments.Select((_, i) => "arguments." + (procedure.Arguments.Count == 1 ? "Value" : "Arg" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))))
                    : PrimitiveWrapper(procedure.Arguments[0]) is not null ? "arguments.Value" : "arguments";
            string invoke = names.Methods[procedure] + "(" + unwrapped + (unwrapped.Length > 0 ? ", " : "") + "context)";
            string handler;
            if (procedure.Result is null)
            {
                handler = "async (arguments, context) =>\n" + new string(' ', 16) + "{\n" + new string(' ', 20) + "await " + invoke + ".ConfigureAwait(false);\n" +
                    new string(' ', 20) + "return default(" + Xdr + "XdrVoid);\n" + new string(' ', 16) + "}";
            }
            else if (IsDirect(procedure.Result))
            {
                handler = "(arguments, context) => " + invoke;
            }
            else
            {
                handler = "async (arguments, context) => new " + resultType + "(await " + invoke + ".ConfigureAwait(false))";
            }
            _w.Line("dispatcher.Register<" + argumentsType + ", " + resultType + ">(");
            _w.Line("    " + procs + "." + names.Descriptors[procedure] + ",");
            _w.Line("    " + handler + ");");
        }
        _w.Close();
        _w.Close();
        _w.Line();
    }
}
