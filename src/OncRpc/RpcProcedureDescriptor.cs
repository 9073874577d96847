namespace OncRpc;

/// <summary>
/// Names a remote procedure: program, version and procedure numbers, with the names from the
/// <c>.x</c> file kept for observability and tools. Generated code holds one static instance per
/// procedure; middle-level callers create their own.
/// </summary>
public sealed record RpcProcedureDescriptor(
    uint Program,
    uint Version,
    uint Procedure,
    string? ProgramName = null,
    string? ProcedureName = null)
{
    /// <summary>The procedure name, or its number when no name is known.</summary>
    public string DisplayName => ProcedureName ?? Procedure.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The version's name in the <c>.x</c> file (<c>LOG_VERS</c>), when known; generated
    /// descriptors carry it, for logs and traces.</summary>
    public string? VersionName { get; init; }

    /// <summary>How often the procedure may run for one call when requests or replies are lost
    /// (see <see cref="RpcCallSemantics"/>). Default <see cref="RpcCallSemantics.AtLeastOnce"/>.</summary>
    public RpcCallSemantics Semantics { get; init; } = RpcCallSemantics.AtLeastOnce;
}
