using System.Text.Json.Nodes;
using OncRpc.Interop.Tests.Generated.All;
using OncRpc.Interop.Tests.Infrastructure;
using OncRpc.Tool.Call;
using OncRpc.Tool.Commands;
using OncRpc.Xdr;

namespace OncRpc.Interop.Tests.Tool;

/// <summary>
/// <c>oncrpc call</c>'s JSON mapping over allconstructs.x (every construct of the RPC language,
/// typedef'd pointers, unions on bool, unsigned and enum, several arguments): JSON encodes to the
/// very bytes the generated C# codec reads and writes back, and decodes to the same JSON.
/// </summary>
public sealed class AllConstructsJsonTests
{
    private const string Point = """{"x":1,"y":-2}""";

    private const string Everything = """
        {"i":-1,"u":4294967295,"bare":7,"h":"-9223372036854775807","uh":9007199254740991,"f":0.25,"d":1e300,"b":false,
         "c":"BIG","s":"SQUARE","alias":3,"counter":4,"unbounded":"free text","bounded":"b","name":"n",
         "fixed_bytes":"AQID","var_bytes":"","any_bytes":"AAAAAAAA","handle":"AQIDBAUGBwg=","blob":"/w==",
         "fixed_ints":[1,2,3],"var_ints":[5,4,3,2,1],"any_ints":[],
         "points":[{"x":1,"y":-2},{"x":3,"y":4}],"more_points":[],"names":["a","bb","ccc","dddd"],
         "handles":["AAAAAAAAAAA="],"colors":["RED","NEGATIVE","BIG"],
         "maybe_point":null,"maybe_point2":{"x":1,"y":-2},"maybe_int":42,"maybe_color":"GREEN",
         "list":{"value":1,"label":"one","next":{"value":2,"label":"two","next":null}},
         "links":{"id":1,"rest":{"id":2,"rest":null}},
         "res":{"status":"BLUE","where":{"x":1,"y":-2}},
         "flag":{"present":true,"amount":-3},
         "num":{"kind":-5,"big":"18446744073709551615"},
         "uns":{"which":7,"tiny":-9},
         "results":[{"status":"NEGATIVE"},{"status":"GREEN","where":{"x":0,"y":0}}]}
        """;

    private static XSpecification Spec() =>
        XSpecification.Load(Path.Combine(CPeers.TestDataDirectory, "x", "allconstructs.x"), [], TextWriter.Null)
        ?? throw new InvalidOperationException("allconstructs.x does not compile");

    [Fact]
    public void EverythingEncodesAsTheGeneratedCodecDoesAndDecodesBack()
    {
        XProcedure echo = Spec().Find("ALL_ECHO");
        byte[] bytes = CallCommand.EncodeArguments(echo, Everything);

        // The generated type reads exactly these bytes and writes them back unchanged.
        Everything value = XdrSerializer.Deserialize<Everything>(bytes);
        Assert.Equal(bytes, XdrSerializer.ToArray(value));
        Assert.Equal(2, value.List!.Next!.Value);
        Assert.Equal(ulong.MaxValue, Assert.IsType<NumberUnion.NegConst>(value.Num).Big);

        JsonNode? decoded = JsonNode.Parse(CallCommand.DecodeResult(echo, bytes));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Everything), decoded), decoded?.ToJsonString());
    }

    [Fact]
    public void SeveralArgumentsAreAJsonArray()
    {
        XSpecification spec = Spec();
        byte[] flag = CallCommand.EncodeArguments(spec.Find("ALL_FLAG"), """["-1", "18446744073709551615", 2.5]""");
        Assert.Equal(8 + 8 + 8, flag.Length);
        var reader = new XdrReader(flag);
        Assert.Equal((-1L, ulong.MaxValue, 2.5), (reader.ReadInt64(), reader.ReadUInt64(), reader.ReadDouble()));

        var error = Assert.Throws<JsonMappingException>(() => CallCommand.EncodeArguments(spec.Find("ALL_ADD"), "[1, \"x\"]"));
        Assert.Equal("$[1]: \"x\" is not an integer (int)", error.Message);
        error = Assert.Throws<JsonMappingException>(() => CallCommand.EncodeArguments(spec.Find("ALL_ADD"), "1"));
        Assert.Contains("ALL_ADD takes 2 arguments", error.Message);
        Assert.Equal(8, CallCommand.EncodeArguments(spec.Find("ALL_NAME"), Point).Length);
    }

    [Fact]
    public void ANameInTwoVersionsIsAmbiguousUntilQualified()
    {
        XSpecification spec = Spec();
        var error = Assert.Throws<FormatException>(() => spec.Find("ALL_NULL"));
        Assert.Contains("'ALL_NULL' is ambiguous: ALLCONSTRUCTS_PROG (0x20000099) version 1 ALL_NULL; ALLCONSTRUCTS_PROG (0x20000099) version 2 ALL_NULL", error.Message);
        Assert.Equal(2u, spec.Find("ALLCONSTRUCTS_PROG.2.ALL_NULL").Version.Number);
    }
}
