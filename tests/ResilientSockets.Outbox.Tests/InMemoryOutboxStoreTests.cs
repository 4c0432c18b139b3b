namespace ResilientSockets.Outbox.Tests;

/// <summary>The contract on the in-memory default.</summary>
public sealed class InMemoryOutboxStoreTests : OutboxStoreContractTests
{
    protected override Task<IOutboxStore> CreateStoreAsync() => Task.FromResult<IOutboxStore>(new InMemoryOutboxStore());
}
