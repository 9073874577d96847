namespace OncRpc.Compiler.Tests;

/// <summary>Values of every generated type survive encode/decode (Drivers/AllConstructsDriver.cs).</summary>
public sealed class RoundTripTests
{
    [Fact]
    public void Every_construct_round_trips_with_bounds_and_equality() =>
        Assert.Equal("ok", AllConstructsAssembly.Call("RoundTrips"));

    [Fact]
    public void Million_element_list_needs_no_stack()
    {
        // A small stack makes any per-node recursion in encode, decode, Equals or GetHashCode fail.
        object? written = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                written = AllConstructsAssembly.Call("LongList", 1_000_000);
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();
        Assert.Null(failure);
        Assert.Equal("16000000", written); // value, label length, "n" padded, flag: 16 bytes a node
    }

    [Fact]
    public async Task Client_and_service_round_trip_through_the_runtime_contracts()
    {
        var task = (Task<string>)AllConstructsAssembly.Call("ClientAndService")!;
        Assert.Equal("23", await task);
    }
}
