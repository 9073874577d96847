using OncRpc.Tool.Call;

namespace OncRpc.Interop.Tests.Tool;

/// <summary>How <c>oncrpc call</c> reads HOST[:PORT]: a port means "call there", none means "ask rpcbind".</summary>
public sealed class CallTargetTests
{
    [Theory]
    [InlineData("127.0.0.1:4000", "127.0.0.1", 4000)]
    [InlineData("127.0.0.1", "127.0.0.1", null)]
    [InlineData("server.example:111", "server.example", 111)]
    [InlineData("[::1]:4000", "::1", 4000)]
    [InlineData("[::1]", "::1", null)]
    [InlineData("::1", "::1", null)]
    public void HostAndPortAreSplit(string target, string host, int? port) =>
        Assert.Equal((host, port), CallTarget.Split(target));

    [Theory]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:http")]
    [InlineData("[::1:4000")]
    public void BadPortsAreUsageErrors(string target) =>
        Assert.Throws<FormatException>(() => CallTarget.Split(target));
}
