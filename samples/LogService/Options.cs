namespace LogService;

/// <summary>The sample's command-line options, parsed by hand to keep the sample dependency-free.</summary>
internal sealed class Options
{
    public string Host { get; private set; } = "127.0.0.1";
    public int Port { get; private set; }
    public string Transport { get; private set; } = "tcp";
    public string? LogFile { get; private set; }
    public bool Rpcbind { get; private set; }

    /// <summary>--binder etcd=URL[,URL...] (server: export there; client: import from there) or,
    /// for the client, static=HOST:PORT[,HOST:PORT...]: calls spread over those servers.</summary>
    public string? Binder { get; private set; }

    /// <summary>--zone Z: the zone a server exports with --binder.</summary>
    public string? Zone { get; private set; }
    public List<string> Messages { get; } = [];

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--host": options.Host = Value(); break;
                case "--port":
                    options.Port = int.TryParse(Value(), out int port) && port is >= 0 and <= 65535
                        ? port
                        : throw new ArgumentException("--port takes 0 to 65535");
                    break;
                case "--transport":
                    options.Transport = Value() is "tcp" or "udp" or "both" ? args[i] : throw new ArgumentException("--transport takes tcp, udp or both");
                    break;
                case "--log": options.LogFile = Value(); break;
                case "--message": options.Messages.Add(Value()); break;
                case "--rpcbind": options.Rpcbind = true; break;
                case "--binder":
                    options.Binder = Value() is var binder && (binder.StartsWith("etcd=", StringComparison.Ordinal) || binder.StartsWith("static=", StringComparison.Ordinal))
                        ? binder
                        : throw new ArgumentException("--binder takes etcd=URL[,URL...] or static=HOST:PORT[,HOST:PORT...]");
                    break;
                case "--zone": options.Zone = Value(); break;
                case "--": options.Messages.AddRange(args[(i + 1)..]); i = args.Length; break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal))
                    {
                        throw new ArgumentException($"unknown option {args[i]}");
                    }
                    options.Messages.Add(args[i]);
                    break;
            }
        }
        return options;
    }
}
