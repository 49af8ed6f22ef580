/** Time limits of client connections, shared by the protocol servers. */

/** Time a client has to send a request's headers. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 60_000;
/** Idle time before a client keep-alive connection is closed. */
export const DEFAULT_KEEP_ALIVE_MS = 65_000;
/** How often idle keep-alive connections are looked for (the precision of DEFAULT_KEEP_ALIVE_MS). */
export const IDLE_SWEEP_MS = 1_000;
