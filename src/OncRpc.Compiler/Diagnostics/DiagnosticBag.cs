using System.Collections.Generic;

namespace OncRpc.Compiler.Diagnostics;

/// <summary>Collects diagnostics in the order found; duplicates (same id, place, text) are kept once
/// so error recovery cannot flood the output.</summary>
internal sealed class DiagnosticBag
{
    // Past this many the input is hopeless; more only slows the build and hides the first error.
    private const int MaxDiagnostics = 500;
    private readonly List<Diagnostic> _items = new();
    private readonly HashSet<Diagnostic> _seen = new();

    public bool HasErrors { get; private set; }

    public int Count => _items.Count;

    public IReadOnlyList<Diagnostic> Items => _items;

    public void Report(DiagnosticDescriptor descriptor, SourceLocation location, params object[] args) =>
        Add(descriptor.Create(location, args));

    public void Add(Diagnostic diagnostic)
    {
        if (diagnostic.Severity == DiagnosticSeverity.Error)
        {
            HasErrors = true;
        }
        if (_items.Count < MaxDiagnostics && _seen.Add(diagnostic))
        {
            _items.Add(diagnostic);
        }
    }
}
