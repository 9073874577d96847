using System.Globalization;
using System.Text;

namespace Bank;

/// <summary>
/// The accounts and their balances. With a state folder every change is appended to
/// <c>ledger.log</c> ("account balance" per line) and flushed to disk before the call is answered,
/// so a restarted server starts from the last balance it acknowledged; a line torn by a crash is
/// ignored. Thread-safe: calls run concurrently.
/// </summary>
internal sealed class Ledger : IDisposable
{
    private readonly Dictionary<uint, long> _balances = [];
    private readonly Lock _gate = new();
    private readonly FileStream? _journal;

    public Ledger(string? stateDirectory)
    {
        if (stateDirectory is null)
        {
            return;
        }
        Directory.CreateDirectory(stateDirectory);
        string path = Path.Combine(stateDirectory, "ledger.log");
        if (File.Exists(path))
        {
            foreach (string line in File.ReadLines(path))
            {
                string[] parts = line.Split(' ');
                if (parts.Length == 2 && uint.TryParse(parts[0], CultureInfo.InvariantCulture, out uint account)
                    && long.TryParse(parts[1], CultureInfo.InvariantCulture, out long balance))
                {
                    _balances[account] = balance;
                }
            }
        }
        _journal = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }

    /// <summary>Adds <paramref name="amount"/> (negative: takes it) and returns the new balance;
    /// null when the account does not exist (a deposit creates it) or holds too little.</summary>
    public (long? Balance, bool Known) Apply(uint account, long amount)
    {
        lock (_gate)
        {
            bool known = _balances.TryGetValue(account, out long balance);
            if (amount < 0 && (!known || balance + amount < 0))
            {
                return (null, known);
            }
            long updated = checked(balance + amount);
            Record(account, updated);
            _balances[account] = updated;
            return (updated, true);
        }
    }

    public long? Balance(uint account)
    {
        lock (_gate)
        {
            return _balances.TryGetValue(account, out long balance) ? balance : null;
        }
    }

    private void Record(uint account, long balance)
    {
        if (_journal is null)
        {
            return;
        }
        _journal.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{account} {balance}\n")));
        _journal.Flush(flushToDisk: true);
    }

    public void Dispose() => _journal?.Dispose();
}
