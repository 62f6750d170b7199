import { preparationConcurrency } from '@/media/prepare-pool'

/** Tunables of the upload queue; tests shrink them. */
export const QUEUE_SETTINGS = {
  /** Uploads in flight at once. */
  concurrency: 3,
  /**
   * Photos prepared at once (decoded, downscaled, re-encoded): 2 keeps the uplink busy while the
   * next photo is prepared, 1 on single-core or ≤ 1 GB devices (src/media/prepare-pool.ts).
   */
  preparations: preparationConcurrency(),
  /** Tries of one upload or one insertion before it is reported as failed. */
  maxAttempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
}
