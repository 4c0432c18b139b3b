namespace ResilientSockets.Server;

/// <summary>Why a <see cref="ResilientSession"/> ended.</summary>
public enum ResilientSessionEndReason
{
    /// <summary>The session has not ended.</summary>
    None,

    /// <summary>The client closed with status 1000: a clean end. <see cref="ResilientSession.ReadAllAsync"/> completes.</summary>
    ClosedByClient,

    /// <summary>The application closed it (<see cref="ResilientSession.CloseAsync"/>, or the handler returned): a clean end.</summary>
    ClosedByServer,

    /// <summary>The client did not resume it within the resume window: lost.</summary>
    Expired,

    /// <summary>The client broke a rule of the session protocol (closed with 1002): lost.</summary>
    ProtocolError,

    /// <summary>The client sent a message over <see cref="ResilientSessionOptions.MaxMessageSize"/> (closed with 1009): lost.</summary>
    MessageTooLarge,

    /// <summary>The handler threw (closed with 1011): lost.</summary>
    HandlerFailed,

    /// <summary>The server is shutting down (closed with 1001): lost, the client will find it gone.</summary>
    ServerStopping,
}
