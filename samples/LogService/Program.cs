using LogService;

// The classic log service (log.x): `demo` (the default) runs server and client in one process;
// `server` and `client` run each side on its own, against each other or against the C peers.
string mode = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "demo";
string[] rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
try
{
    return mode switch
    {
        "demo" => await Demo.RunAsync(Options.Parse(rest)),
        "server" => await ServerMode.RunAsync(Options.Parse(rest)),
        "client" => await ClientMode.RunAsync(Options.Parse(rest)),
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
          LogService [demo] [--message TEXT] [--log FILE]
          LogService server [--port N] [--transport tcp|udp|both] [--log FILE] [--rpcbind] [--binder etcd=URL [--zone Z]]
          LogService client [--host H] [--port N] [--transport tcp|udp] [--binder etcd=URL|static=HOST:PORT,...] MESSAGE...
                            (no --port: the address is looked up with rpcbind on the host;
                             --binder: calls spread over every server the binder knows)
        """);
    return 2;
}
