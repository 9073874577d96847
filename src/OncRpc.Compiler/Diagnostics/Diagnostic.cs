using System;
using System.Globalization;

namespace OncRpc.Compiler.Diagnostics;

/// <summary>
/// One finding about the input. Diagnostics are plain data (no Roslyn types), so the command
/// line, the source generator and tests all consume the same values.
/// </summary>
public sealed class Diagnostic : IEquatable<Diagnostic>
{
    public Diagnostic(DiagnosticDescriptor descriptor, SourceLocation location, string message)
    {
        Descriptor = descriptor ?? throw new ArgumentNullException(nameof(descriptor));
        Location = location;
        Message = message ?? string.Empty;
    }

    public DiagnosticDescriptor Descriptor { get; }

    /// <summary>The stable id, <c>ONCRPC1xxx</c>; documented in docs/diagnostics/&lt;id&gt;.md.</summary>
    public string Id => Descriptor.Id;

    public DiagnosticSeverity Severity => Descriptor.Severity;

    public SourceLocation Location { get; }

    public string Message { get; }

    /// <summary>The MSBuild canonical error format, so terminals and IDEs link to the line:
    /// <c>file.x(12,5): error ONCRPC1003: message</c>.</summary>
    public override string ToString()
    {
        string severity = Severity == DiagnosticSeverity.Error ? "error" : "warning";
        string where = Location.Line > 0
            ? string.Format(CultureInfo.InvariantCulture, "{0}({1},{2}): ", Location.FilePath, Location.Line, Location.Column)
            : (Location.FilePath.Length > 0 ? Location.FilePath + ": " : string.Empty);
        return where + severity + " " + Id + ": " + Message;
    }

    public bool Equals(Diagnostic? other) =>
        other is not null && Id == other.Id && Location.Equals(other.Location) && Message == other.Message;

    public override bool Equals(object? obj) => Equals(obj as Diagnostic);

    public override int GetHashCode() => unchecked(Id.GetHashCode() * 31 + Location.GetHashCode());
}
