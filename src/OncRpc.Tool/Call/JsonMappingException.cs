namespace OncRpc.Tool.Call;

/// <summary>A JSON value that does not fit the .x type it stands for (or reply bytes that do not
/// decode as the result type). <see cref="Path"/> is a JSONPath to the offending value
/// (<c>$.memo</c>, <c>$.items[2].name</c>); the message reads <c>$.memo: string longer than 64</c>.</summary>
internal sealed class JsonMappingException(string path, string problem) : Exception($"{path}: {problem}")
{
    public string Path { get; } = path;

    public string Problem { get; } = problem;
}
