using System.Collections.Generic;
using System.Linq;
using OncRpc.Compiler.Semantics;

namespace OncRpc.Compiler.Emit;

/// <summary>
/// Per program with several versions (and a client): a class that negotiates the highest version
/// both sides speak through OncRpc.Binding.RpcVersionNegotiator and holds the generated client for
/// it. Versions have different procedures, so there is no common interface: the result is
/// discriminated by <c>Version</c>, with one property per version of which exactly one is set.
/// </summary>
internal sealed partial class CSharpEmitter
{
    private const string Negotiator = "global::OncRpc.Binding.RpcVersionNegotiator";
    private readonly Dictionary<ProgramSymbol, string> _negotiatingClients = new();

    private static bool Negotiates(ProgramSymbol program) => program.Versions.Count > 1;

    /// <summary>Claimed after the per-version names, so adding it never renames those.</summary>
    private void AssignNegotiationNames(ProgramSymbol program)
    {
        if (_options.Client && Negotiates(program))
        {
            _negotiatingClients[program] = _topLevel.Claim(ProgramBase(program.Name) + "Client");
        }
    }

    private void EmitNegotiation(ProgramSymbol program)
    {
        if (!_negotiatingClients.TryGetValue(program, out string? name))
        {
            return;
        }
        List<VersionSymbol> versions = program.Versions.OrderBy(v => v.Number).ToList();
        string list = string.Join(", ", versions.Select(v => U(v.Number).TrimEnd('u')));
        var properties = new NameScope(name, "Program", "Versions", "RpcClient", "Version", "Server", "Negotiator", "Create",
            "NegotiateAsync", "ConnectBestAsync", "Observe", "Equals", "GetHashCode", "ToString", "GetType", "MemberwiseClone", "ReferenceEquals", "Finalize");
        var propertyNames = versions.ToDictionary(v => v, v => properties.Claim("V" + U(v.Number).TrimEnd('u')));
        _w.Line("/// <summary>A client of <c>" + program.Name + "</c> at the highest version both sides speak (this code: " + list +
            "), negotiated through rpcbind or over a connection (docs/client.md). Exactly one version property is set: the one <see cref=\"Version\"/> names.</summary>");
        _w.Open("public sealed partial class " + name);
        _w.Line("public const uint Program = " + Hex(program.Number) + "u;");
        _w.Line();
        _w.Line("/// <summary>The versions this code speaks, lowest first.</summary>");
        _w.Line("public static global::System.Collections.Generic.IReadOnlyList<uint> Versions { get; } = new uint[] { " + string.Join(", ", versions.Select(v => U(v.Number))) + " };");
        _w.Line();
        _w.Open("private " + name + "(global::OncRpc.Client.RpcClient rpcClient, uint version, " + Negotiator + " negotiator, string? server)");
        _w.Line("RpcClient = rpcClient;");
        _w.Line("Version = version;");
        _w.Line("Negotiator = negotiator;");
        _w.Line("Server = server;");
        _w.Open("switch (version)");
        foreach (VersionSymbol version in versions)
        {
            _w.Line("case " + U(version.Number) + ":");
            _w.Line("    " + propertyNames[version] + " = new " + Qualified(_versionNames[version].Client) + "(rpcClient);");
            _w.Line("    break;");
        }
        _w.Line("default:");
        _w.Line("    throw new global::System.ArgumentOutOfRangeException(nameof(version), version, \"" + program.Name + " versions here are " + list + "\");");
        _w.Close();
        _w.Close();
        _w.Line();
        _w.Line("/// <summary>The connection calls go through.</summary>");
        _w.Line("public global::OncRpc.Client.RpcClient RpcClient { get; }");
        _w.Line();
        _w.Line("/// <summary>The negotiated version.</summary>");
        _w.Line("public uint Version { get; }");
        _w.Line();
        _w.Line("/// <summary>The negotiator that chose the version and caches the choice.</summary>");
        _w.Line("public " + Negotiator + " Negotiator { get; }");
        _w.Line();
        _w.Line("/// <summary>The key the choice is cached under, or null when it is not cached.</summary>");
        _w.Line("public string? Server { get; }");
        foreach (VersionSymbol version in versions)
        {
            _w.Line();
            _w.Line("/// <summary>The version " + U(version.Number).TrimEnd('u') + " client (<c>" + version.Name + "</c>), or null when another version was negotiated.</summary>");
            _w.Line("public " + Qualified(_versionNames[version].Client) + "? " + propertyNames[version] + " { get; }");
        }
        _w.Line();
        _w.Line("/// <summary>The client for <paramref name=\"version\"/> over <paramref name=\"rpcClient\"/>, without negotiating.</summary>");
        _w.Line("public static " + Qualified(name) + " Create(global::OncRpc.Client.RpcClient rpcClient, uint version) =>");
        _w.Line("    new(rpcClient ?? throw new global::System.ArgumentNullException(nameof(rpcClient)), version, " + Negotiator + ".Shared, null);");
        _w.Line();
        _w.Line("/// <summary>Negotiates over <paramref name=\"rpcClient\"/>: NULL on the highest version, then within the server's PROG_MISMATCH low/high; cached under <paramref name=\"server\"/> when given. Throws RpcException (ProgramMismatch with the server's low/high when no version is common).</summary>");
        _w.Open("public static async " + Tasks + "Task<" + Qualified(name) + "> NegotiateAsync(global::OncRpc.Client.RpcClient rpcClient, string? server = null, " +
            Negotiator + "? negotiator = null, " + Token + " cancellationToken = default)");
        _w.Open("if (rpcClient is null)");
        _w.Line("throw new global::System.ArgumentNullException(nameof(rpcClient));");
        _w.Close();
        _w.Line("negotiator ??= " + Negotiator + ".Shared;");
        _w.Line("uint version = await negotiator.NegotiateAsync(rpcClient, Program, Versions, server, cancellationToken).ConfigureAwait(false);");
        _w.Line("return new " + Qualified(name) + "(rpcClient, version, negotiator, server);");
        _w.Close();
        _w.Line();
        _w.Line("/// <summary>Asks the rpcbind on <paramref name=\"host\"/> which versions are registered for <paramref name=\"transport\"/>, connects to the highest common one (cached per host and transport) and returns its client, which owns the new connection.</summary>");
        _w.Open("public static async " + Tasks + "Task<" + Qualified(name) + "> ConnectBestAsync(string host, global::OncRpc.RpcTransportKind transport = global::OncRpc.RpcTransportKind.Tcp, " +
            "global::OncRpc.Client.RpcClientOptions? options = null, " + Negotiator + "? negotiator = null, " + Token + " cancellationToken = default)");
        _w.Line("negotiator ??= " + Negotiator + ".Shared;");
        _w.Line("global::OncRpc.Binding.RpcNegotiatedClient found = await negotiator.ConnectBestAsync(host, Program, Versions, transport, options, cancellationToken).ConfigureAwait(false);");
        _w.Line("return new " + Qualified(name) + "(found.Client, found.Version, negotiator, found.Server);");
        _w.Close();
        _w.Line();
        _w.Line("/// <summary>As ConnectBestAsync(string, ...) with the rpcbind at <paramref name=\"rpcbindEndPoint\"/>.</summary>");
        _w.Open("public static async " + Tasks + "Task<" + Qualified(name) + "> ConnectBestAsync(global::System.Net.EndPoint rpcbindEndPoint, global::OncRpc.RpcTransportKind transport, " +
            "global::OncRpc.Client.RpcClientOptions? options = null, " + Negotiator + "? negotiator = null, " + Token + " cancellationToken = default)");
        _w.Line("negotiator ??= " + Negotiator + ".Shared;");
        _w.Line("global::OncRpc.Binding.RpcNegotiatedClient found = await negotiator.ConnectBestAsync(rpcbindEndPoint, Program, Versions, transport, options, cancellationToken).ConfigureAwait(false);");
        _w.Line("return new " + Qualified(name) + "(found.Client, found.Version, negotiator, found.Server);");
        _w.Close();
        _w.Line();
        _w.Line("/// <summary>Shows the negotiator a call's failure: PROG_MISMATCH or PROG_UNAVAIL (the server changed) drops the cached choice, so the next negotiation asks again. True when it did.</summary>");
        _w.Line("public bool Observe(global::OncRpc.RpcException exception) => Server is not null && Negotiator.Observe(Server, Program, exception);");
        _w.Close();
        _w.Line();
    }
}
