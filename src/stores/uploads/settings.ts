import { preparationConcurrency } from '@/media/prepare-pool'

/** Tunables of the upload queue; tests shrink them. */
export const QUEUE_SETTINGS = {
  /** Uploads in flight at once. */
  concurrency: 3,
  /**
   * Files above this size go up resumably (tus: src/api/resumable-uploads.ts) and show their
   * resumable state; smaller ones keep the single request, which needs fewer round trips.
   */
  resumableAboveBytes: 8 * 1024 * 1024,
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
