using Callback;

// Calls both ways (callback.x): `server` serves WATCH and calls its clients back; `client` watches
// a topic and takes the events, through a transient server of its own (the classic pattern) or,
// with --backchannel, over its own connection. No mode: both, against an in-process server.
string mode = args.Length > 0 ? args[0] : "demo";
try
{
    return mode switch
    {
        "server" => await ServerMode.RunAsync(Options.Parse(args[1..])),
        "client" => await ClientMode.RunAsync(Options.Parse(args[1..])),
        "demo" => await Demo.RunAsync(),
        _ => Usage($"unknown mode '{mode}'"),
    };
}
catch (ArgumentException e)
{
    return Usage(e.Message);
}

static int Usage(string error)
{
    Console.Error.WriteLine($"""
        error: {error}
        usage:
          Callback                                   (both patterns against an in-process server)
          Callback server --port PORT [--host ADDR]
          Callback client --port PORT [--host ADDR] [--count N] [--topic NAME] [--backchannel]
        """);
    return 2;
}
