using System;
using OncRpc.Compiler.Diagnostics;

namespace OncRpc.Generator;

/// <summary>One .x additional file with the MSBuild metadata that steers it: plain strings only,
/// so the step that builds it is cached whenever the text and metadata did not change.</summary>
internal sealed class XFileInput : IEquatable<XFileInput>
{
    public XFileInput(string path, string text, bool generate, string ns, string services, string defines, string includeDirectories, string externTypes)
    {
        ExternTypes = externTypes;
        Path = path;
        Text = text;
        Generate = generate;
        Namespace = ns;
        Services = services;
        Defines = defines;
        IncludeDirectories = includeDirectories;
    }

    public string Path { get; }

    public string Text { get; }

    /// <summary>False for files that are only #include targets (OncRpcInclude items).</summary>
    public bool Generate { get; }

    public string Namespace { get; }

    public string Services { get; }

    public string Defines { get; }

    public string IncludeDirectories { get; }

    /// <summary>The item's ExternTypes metadata: <c>xname=Namespace.Type</c> entries.</summary>
    public string ExternTypes { get; }

    public bool Equals(XFileInput? other) =>
        other is not null && Path == other.Path && Text == other.Text && Generate == other.Generate && Namespace == other.Namespace &&
        Services == other.Services && Defines == other.Defines && IncludeDirectories == other.IncludeDirectories && ExternTypes == other.ExternTypes;

    public override bool Equals(object? obj) => Equals(obj as XFileInput);

    public override int GetHashCode() => unchecked(Path.GetHashCode() * 31 + Text.GetHashCode());
}

/// <summary>A .x file's path and text, for resolving #include among the additional files.</summary>
internal sealed class XSource : IEquatable<XSource>
{
    public XSource(string path, string text)
    {
        Path = path;
        Text = text;
    }

    public string Path { get; }

    public string Text { get; }

    public bool Equals(XSource? other) => other is not null && Path == other.Path && Text == other.Text;

    public override bool Equals(object? obj) => Equals(obj as XSource);

    public override int GetHashCode() => unchecked(Path.GetHashCode() * 31 + Text.GetHashCode());
}

/// <summary>A compiler diagnostic as plain data (Roslyn's Diagnostic and Location are not
/// value-equatable, so they are created only in the output step).</summary>
internal sealed class DiagnosticInfo : IEquatable<DiagnosticInfo>
{
    public DiagnosticInfo(Diagnostic diagnostic)
    {
        Id = diagnostic.Id;
        IsError = diagnostic.Severity == DiagnosticSeverity.Error;
        Title = diagnostic.Descriptor.Title;
        Message = diagnostic.Message;
        Path = diagnostic.Location.FilePath;
        Line = diagnostic.Location.Line;
        Column = diagnostic.Location.Column;
        Length = diagnostic.Location.Length;
    }

    public string Id { get; }

    public bool IsError { get; }

    public string Title { get; }

    public string Message { get; }

    public string Path { get; }

    public int Line { get; }

    public int Column { get; }

    public int Length { get; }

    public bool Equals(DiagnosticInfo? other) =>
        other is not null && Id == other.Id && Message == other.Message && Path == other.Path && Line == other.Line &&
        Column == other.Column && Length == other.Length;

    public override bool Equals(object? obj) => Equals(obj as DiagnosticInfo);

    public override int GetHashCode() => unchecked((Id.GetHashCode() * 31 + Line) * 31 + Column);
}

/// <summary>The result for one .x file: its hint name, the C# (null on errors) and diagnostics.</summary>
internal sealed class GeneratedFile : IEquatable<GeneratedFile>
{
    public GeneratedFile(string path, string hintName, string? code, EquatableArray<DiagnosticInfo> diagnostics)
    {
        Path = path;
        HintName = hintName;
        Code = code;
        Diagnostics = diagnostics;
    }

    /// <summary>The .x file it came from.</summary>
    public string Path { get; }

    public string HintName { get; }

    public string? Code { get; }

    public EquatableArray<DiagnosticInfo> Diagnostics { get; }

    public bool Equals(GeneratedFile? other) =>
        other is not null && Path == other.Path && HintName == other.HintName && Code == other.Code && Diagnostics.Equals(other.Diagnostics);

    public override bool Equals(object? obj) => Equals(obj as GeneratedFile);

    public override int GetHashCode() => unchecked(HintName.GetHashCode() * 31 + (Code?.Length ?? 0));
}
