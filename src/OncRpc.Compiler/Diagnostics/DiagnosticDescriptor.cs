using System.Globalization;

namespace OncRpc.Compiler.Diagnostics;

/// <summary>The fixed part of a diagnostic: id, severity, title and a message format.</summary>
public sealed class DiagnosticDescriptor
{
    internal DiagnosticDescriptor(string id, DiagnosticSeverity severity, string title, string messageFormat)
    {
        Id = id;
        Severity = severity;
        Title = title;
        MessageFormat = messageFormat;
    }

    public string Id { get; }

    public DiagnosticSeverity Severity { get; }

    public string Title { get; }

    /// <summary>A <see cref="string.Format(System.IFormatProvider, string, object[])"/> pattern.</summary>
    public string MessageFormat { get; }

    /// <summary>The page that explains the id, relative to the diagnostics folder (docs/diagnostics
    /// in the repository and in the OncRpc package); the generator turns it into a full link.</summary>
    public string HelpPage => Id + ".md";

    internal Diagnostic Create(SourceLocation location, params object[] args) =>
        new(this, location, string.Format(CultureInfo.InvariantCulture, MessageFormat, args));
}
