namespace OncRpc.Compiler.Diagnostics;

/// <summary>How bad a diagnostic is. Any <see cref="Error"/> means no code is produced.</summary>
public enum DiagnosticSeverity
{
    /// <summary>Something worth knowing; the output is still correct.</summary>
    Warning = 1,

    /// <summary>The input is wrong; no output is produced.</summary>
    Error = 2,
}
