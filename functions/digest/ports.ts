/**
 * What the digest's steps need from the outside world, as structural types: the handler passes
 * Powertools Logger and the real clock, tests pass fakes.
 */

/** Structurally satisfied by Powertools `Logger`. */
export interface DigestLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export type Clock = () => Date;
