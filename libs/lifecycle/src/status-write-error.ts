/** Why a status write failed, as the writer classifies it. */
export type StatusWriteErrorKind =
  /** The object changed since it was read (HTTP 409): retry with the latest version. */
  | 'conflict'
  /** The API server or network failed for now (timeouts, 429, 5xx): retry later. */
  | 'transient'
  /** The write can never succeed as is (validation, permissions): give up. */
  | 'permanent'
  /** The object no longer exists: nothing to write. */
  | 'notFound';

const KINDS: readonly StatusWriteErrorKind[] = ['conflict', 'transient', 'permanent', 'notFound'];

/** The error a status writer rejects with. */
export class StatusWriteError extends Error {
  constructor(
    readonly kind: StatusWriteErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'StatusWriteError';
  }
}

/** The kind of a writer's failure: a {@link StatusWriteError}'s (or any error's `kind` field), else `transient`. */
export function classifyStatusWriteError(e: unknown): StatusWriteErrorKind {
  const kind = (e as { kind?: unknown } | null | undefined)?.kind;
  return typeof kind === 'string' && (KINDS as readonly string[]).includes(kind) ? (kind as StatusWriteErrorKind) : 'transient';
}

/** Whether a failure of this kind is worth retrying. */
export const isRetryable = (kind: StatusWriteErrorKind): boolean => kind === 'conflict' || kind === 'transient';

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
