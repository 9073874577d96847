using System.Globalization;

namespace Bank;

/// <summary>The sample's command line, parsed by hand to keep it dependency-free.</summary>
internal sealed class Options
{
    public string Host { get; private set; } = "127.0.0.1";
    public int Port { get; private set; } = -1;
    public string Transport { get; private set; } = "tcp";
    public string? StateDirectory { get; private set; }
    public bool Cache { get; private set; } = true;
    public TimeSpan Timeout { get; private set; } = TimeSpan.FromSeconds(25);
    public List<string> Words { get; } = [];

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
                    options.Port = int.TryParse(Value(), CultureInfo.InvariantCulture, out int port) && port is >= 0 and <= 65535
                        ? port
                        : throw new ArgumentException("--port takes 0 to 65535");
                    break;
                case "--transport":
                    options.Transport = Value() is "tcp" or "udp" or "both" ? args[i] : throw new ArgumentException("--transport takes tcp, udp or both");
                    break;
                case "--state": options.StateDirectory = Value(); break;
                case "--cache":
                    options.Cache = Value() switch
                    {
                        "on" => true,
                        "off" => false,
                        _ => throw new ArgumentException("--cache takes on or off"),
                    };
                    break;
                case "--timeout":
                    options.Timeout = double.TryParse(Value(), CultureInfo.InvariantCulture, out double seconds) && seconds > 0
                        ? TimeSpan.FromSeconds(seconds)
                        : throw new ArgumentException("--timeout takes a positive number of seconds");
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal))
                    {
                        throw new ArgumentException($"unknown option {args[i]}");
                    }
                    options.Words.Add(args[i]);
                    break;
            }
        }
        if (options.Port < 0)
        {
            throw new ArgumentException("--port is required");
        }
        return options;
    }
}
