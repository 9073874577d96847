using Bank;

// A non-idempotent service (bank.x): `server` keeps the accounts, `client` makes one call.
string mode = args.Length > 0 ? args[0] : "";
try
{
    return mode switch
    {
        "server" => await ServerMode.RunAsync(Options.Parse(args[1..])),
        "client" => await ClientMode.RunAsync(Options.Parse(args[1..])),
        _ => Usage(mode.Length == 0 ? "say server or client" : $"unknown mode '{mode}'"),
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
          Bank server --port PORT [--transport tcp|udp|both] [--state DIR] [--host ADDR] [--cache on|off]
          Bank client --port PORT [--transport tcp|udp] [--host ADDR] [--timeout S] deposit ACCOUNT AMOUNT
          Bank client --port PORT [--transport tcp|udp] [--host ADDR] [--timeout S] withdraw ACCOUNT AMOUNT
          Bank client --port PORT [--transport tcp|udp] [--host ADDR] [--timeout S] balance ACCOUNT
        """);
    return 2;
}
