namespace OncRpc.Compiler.Emit;

/// <summary>What to generate around the types.</summary>
public sealed class EmitOptions
{
    /// <summary>The C# namespace of the generated code.</summary>
    public string Namespace { get; set; } = "OncRpc.Generated";

    /// <summary>Generate per-version interfaces and client classes.</summary>
    public bool Client { get; set; } = true;

    /// <summary>Generate per-version abstract service bases.</summary>
    public bool Server { get; set; } = true;
}
