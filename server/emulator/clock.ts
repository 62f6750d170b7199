/** Time source of the emulator. Token, auth-code and upload-URL lifetimes are judged on it. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
}

/** A clock tests move by hand, so expiry can be tested without waiting. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void
}

/** The real wall clock. */
export const systemClock: Clock = { now: () => Date.now() }

/**
 * Creates a clock that only moves when told to. Starts at `startMs` (default: the current wall
 * time, so timestamps look plausible in logs and HTML views).
 */
export function createManualClock(startMs: number = Date.now()): ManualClock {
  let current = startMs
  return {
    now: () => current,
    advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance(ms) needs a non-negative number')
      current += ms
    },
  }
}
