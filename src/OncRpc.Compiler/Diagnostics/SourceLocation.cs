using System;

namespace OncRpc.Compiler.Diagnostics;

/// <summary>A position in a <c>.x</c> file: 1-based line and column, plus the length of the
/// offending text so IDEs can underline it.</summary>
public readonly struct SourceLocation : IEquatable<SourceLocation>
{
    public SourceLocation(string filePath, int line, int column, int length = 1)
    {
        FilePath = filePath ?? string.Empty;
        Line = line;
        Column = column;
        Length = length < 0 ? 0 : length;
    }

    public string FilePath { get; }

    /// <summary>1-based line.</summary>
    public int Line { get; }

    /// <summary>1-based column.</summary>
    public int Column { get; }

    /// <summary>Characters covered on <see cref="Line"/>.</summary>
    public int Length { get; }

    public static SourceLocation None => new(string.Empty, 0, 0, 0);

    public bool Equals(SourceLocation other) =>
        string.Equals(FilePath, other.FilePath, StringComparison.Ordinal) && Line == other.Line &&
        Column == other.Column && Length == other.Length;

    public override bool Equals(object? obj) => obj is SourceLocation other && Equals(other);

    public override int GetHashCode() =>
        unchecked(((StringComparer.Ordinal.GetHashCode(FilePath ?? string.Empty) * 31 + Line) * 31 + Column) * 31 + Length);

    public override string ToString() => $"{FilePath}({Line},{Column})";
}
