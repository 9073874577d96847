using System.IO;

namespace OncRpc.Compiler.Lexing;

/// <summary>Resolves includes on disk (the command line). Not linked into the source generator:
/// analyzers must not touch the file system (RS1035), they get the files from MSBuild instead.</summary>
public sealed class FileSystemSourceResolver : SourceResolver
{
    public static FileSystemSourceResolver Instance { get; } = new();

    protected override bool TryRead(string path, out string? text)
    {
        text = null;
        try
        {
            if (!File.Exists(path))
            {
                return false;
            }
            text = File.ReadAllText(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (System.UnauthorizedAccessException)
        {
            return false;
        }
    }
}
