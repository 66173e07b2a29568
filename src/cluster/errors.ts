/** Errors of the scale-out mode that a person can act on: each message is one line, and never holds a password. */

export type ClusterErrorCode =
  | 'BAD_URL'
  | 'UNREACHABLE'
  | 'AUTH'
  | 'TLS'
  | 'EVICTION'
  | 'SCHEMA'
  | 'NO_RUN'
  | 'RUN_ENDED'
  | 'REDIS';

export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  constructor(
    readonly code: ClusterErrorCode,
    message: string,
  ) {
    super(message);
  }
}
