namespace OncRpc.Interop.Tests.Tool;

/// <summary>JSON values of interop.x's types (docs/json-mapping.md), for the echo procedures: each
/// must come back from a server exactly as sent.</summary>
internal static class InteropValues
{
    public const string Scalars =
        """{"i":-2147483648,"u":4294967295,"h":"-9223372036854775808","uh":"18446744073709551615","f":0.5,"d":-2.25,"b":true,"c":"BLACK"}""";

    public const string Blobs =
        """{"fixed_op":"AAECAwQFBgcICQoL","var_op":"3q2+7w==","unb_op":"","name":"alice","text":"h\u00e9llo, w\u00f6rld","fixed_arr":[1,-2,3],"var_arr":[4,5,6,7,8,9,10,11],"many":[""" + Scalars + "]}";

    public const string Record =
        "{\"s\":" + Scalars + ",\"b\":" + Blobs + ",\"ch\":{\"kind\":4,\"values\":" + Scalars + "}," +
        "\"p\":{\"c\":\"RED\",\"level\":-7},\"list\":{\"value\":1,\"next\":{\"value\":2,\"next\":null}}," +
        "\"palette\":[\"RED\",\"BLACK\",\"BLUE\"]," +
        "\"choices\":[{\"kind\":1,\"number\":1},{\"kind\":5},{\"kind\":-3,\"other\":12},{\"kind\":3,\"text\":\"\"}]}";

    /// <summary>(procedure, JSON) pairs covering every construct of interop.x.</summary>
    public static TheoryData<string, string> Echoes => new()
    {
        { "ECHO_INT", "2147483647" },
        { "ECHO_INT", "-5" },
        { "ECHO_UINT", "4294967295" },
        { "ECHO_HYPER", "9007199254740991" },
        { "ECHO_HYPER", "\"-9223372036854775808\"" },
        { "ECHO_UHYPER", "\"18446744073709551615\"" },
        { "ECHO_FLOAT", "1.1" },
        { "ECHO_FLOAT", "\"NaN\"" },
        { "ECHO_DOUBLE", "3.141592653589793" },
        { "ECHO_DOUBLE", "\"-Infinity\"" },
        { "ECHO_BOOL", "true" },
        { "ECHO_COLOR", "\"BLACK\"" },
        { "ECHO_TEXT", "\"h\u00e9llo\"" },
        { "ECHO_TEXT", "\"\"" },
        { "ECHO_BYTES", "\"AAEC/w==\"" },
        { "ECHO_SCALARS", Scalars },
        { "ECHO_BLOBS", Blobs },
        { "ECHO_CHOICE", """{"kind":1,"number":7}""" },
        { "ECHO_CHOICE", """{"kind":2,"number":-7}""" },
        { "ECHO_CHOICE", """{"kind":3,"text":"three"}""" },
        { "ECHO_CHOICE", """{"kind":4,"values":""" + Scalars + "}" },
        { "ECHO_CHOICE", """{"kind":5}""" },
        { "ECHO_CHOICE", """{"kind":99,"other":"-9007199254740993"}""" },
        { "ECHO_PAINTED", """{"c":"RED","level":3}""" },
        { "ECHO_PAINTED", """{"c":"BLUE","label":"sky"}""" },
        { "ECHO_PAINTED", """{"c":"BLACK"}""" },
        { "ECHO_LIST", """{"head":{"value":1,"next":{"value":2,"next":{"value":3,"next":null}}}}""" },
        { "ECHO_LIST", """{"head":null}""" },
        { "ECHO_RECORD", Record },
    };
}
