using System.Globalization;

namespace Callback;

/// <summary>The sample's command line, parsed by hand to keep it dependency-free.</summary>
internal sealed class Options
{
    public string Host { get; private set; } = "127.0.0.1";
    public int Port { get; private set; } = -1;
    public uint Count { get; private set; } = 3;
    public string Topic { get; private set; } = "weather";
    public bool Backchannel { get; private set; }

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
                case "--count":
                    options.Count = uint.TryParse(Value(), CultureInfo.InvariantCulture, out uint count) && count is >= 1 and <= NotifyService.MaxEvents
                        ? count
                        : throw new ArgumentException($"--count takes 1 to {NotifyService.MaxEvents}");
                    break;
                case "--topic": options.Topic = Value(); break;
                case "--backchannel": options.Backchannel = true; break;
                default: throw new ArgumentException($"unknown argument {args[i]}");
            }
        }
        if (options.Port < 0)
        {
            throw new ArgumentException("--port is required");
        }
        return options;
    }
}
