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
            _w.Line("/// <summary><c>" + procedure.Name + "</c> = " + U(procedure.Number).TrimEnd('u') + "." + SemanticsSentence(procedure) + "</summary>");
            _w.Line("public static readonly global::OncRpc.RpcProcedureDescriptor " + names.Descriptors[procedure] + " = new(Program, Version, " +
                U(procedure.Number) + ", ProgramXdrName, " + Naming.Literal(procedure.Name) + ")" + DescriptorInitializer(procedure) + ";");
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
        if (_options.Client || _options.Server)
        {
            EmitInterface(program, version, names);
        }
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
            _w.Line("/// <summary>" + HandlerSummary(procedure) + "</summary>");
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
        EmitInterfaceAdapter(program, version, names);
        _w.Close();
        _w.Line();
    }
}
