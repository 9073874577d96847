namespace OncRpc.Tool.Call;

/// <summary>Builds the JSONPath of the value being mapped, for error messages. An immutable chain,
/// so each level costs one small object and nothing is formatted unless an error is reported.</summary>
internal sealed class JsonPath
{
    public static readonly JsonPath Root = new(null, null, -1);

    private readonly JsonPath? _parent;
    private readonly string? _member;
    private readonly int _index;

    private JsonPath(JsonPath? parent, string? member, int index)
    {
        _parent = parent;
        _member = member;
        _index = index;
    }

    public JsonPath Member(string name) => new(this, name, -1);

    public JsonPath Index(int index) => new(this, null, index);

    public JsonMappingException Error(string problem) => new(ToString(), problem);

    public override string ToString()
    {
        if (_parent is null)
        {
            return "$";
        }
        string parent = _parent.ToString();
        return _member is not null
            ? parent + "." + _member
            : parent + "[" + _index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";
    }
}
