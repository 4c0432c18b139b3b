namespace ResilientSockets.Outbox;

/// <summary>What kind of storage failure an <see cref="OutboxStoreException"/> reports.</summary>
public enum OutboxStoreFailure
{
    /// <summary>A failure none of the other values describes; the inner exception has the details.</summary>
    Other = 0,

    /// <summary>The disk (or quota) is full: free space, or raise the quota, then retry.</summary>
    DiskFull = 1,

    /// <summary>The file or its directory is read-only, missing or not a directory: point the store at a writable directory.</summary>
    CannotWrite = 2,

    /// <summary>Another connection or process holds the file's lock: one outbox file belongs to one process.</summary>
    Locked = 3,

    /// <summary>The file is not a database, is truncated or is damaged. The store never deletes it: move it aside and start empty, or restore it.</summary>
    Corrupted = 4,
}
