using System.Threading;

namespace ResilientSockets.Receiving;

/// <summary>
/// The bytes a client may hold for readers past their capacity while it keeps reading the socket
/// (<see cref="ReceiveOptions.MaxBufferedBytes"/>). Shared by every reader of one client.
/// </summary>
internal sealed class ReceiveBudget
{
    private readonly long _limit;
    private long _held;

    public ReceiveBudget(long limit) => _limit = limit;

    public long Held => Volatile.Read(ref _held);

    public bool TryCharge(int bytes)
    {
        // One message is always allowed past an empty budget: a message larger than the whole budget must not wedge the loop.
        var charge = bytes == 0 ? 1 : bytes;
        var after = Interlocked.Add(ref _held, charge);
        if (after <= _limit || (after == charge && _limit > 0))
        {
            return true;
        }

        Interlocked.Add(ref _held, -charge);
        return false;
    }

    public void Release(int bytes) => Interlocked.Add(ref _held, -(bytes == 0 ? 1 : bytes));
}
