/**
 * The staging directory of resumable uploads (UPLOAD_STAGING_DIR): the file store over it, and the
 * guard every tus request passes first. A directory that is missing (a shared mount gone, removed
 * by hand) or short of space (below MIN_STAGING_FREE_BYTES) answers 503 `service_unavailable`
 * with one log line per change, never a half-written file or an uncaught exception, and the
 * routes work again as soon as it is back.
 */
import { statfs as fsStatfs } from 'node:fs/promises'
import { FileStore } from '@tus/file-store'
import { AppError } from '../../errors'

/**
 * `@tus/file-store`'s constructor calls `checkOrCreateDirectory`, an `fs.mkdir` it does not await
 * whose callback throws (see the package's `dist/index.js`): when the directory is gone before
 * that mkdir runs (a test removing its DATA_DIR right after a quick start and stop, a shared mount
 * that went away), the error is thrown from a libuv callback, uncaught, and ends the process.
 * Awaiting a second mkdir queued after it does not help: libuv runs four at once, so FileStore's
 * can still finish after the directory was removed (7 in 300 quick start, stop and remove cycles
 * threw ENOENT with the thread pool busy). Nothing can await or catch it, so this store does not
 * start it: the directory is made at start (createResumableUploads) and judged on every request
 * (the guard below). Writes still create a missing directory themselves (`create` runs its own
 * awaited mkdir), so the guard runs before them.
 */
export class StagingFileStore extends FileStore {}
Object.defineProperty(StagingFileStore.prototype, 'checkOrCreateDirectory', { value: () => undefined })

/** Seconds a browser waits before trying again while staging is unavailable. */
const STAGING_RETRY_AFTER_S = 30

export interface StagingGuardOptions {
  dir: string
  /** New uploads are refused below this much free space (MIN_STAGING_FREE_BYTES). */
  minFreeBytes: number
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void }
  /** `fs.statfs` (tests give their own to report a full disk). */
  statfs?: (dir: string) => Promise<{ bavail: number | bigint; bsize: number | bigint }>
}

export interface StagingGuard {
  /**
   * Resolves when the directory is there (and, for a creation, has MIN_STAGING_FREE_BYTES free).
   * @throws AppError 503 service_unavailable (Retry-After) otherwise.
   */
  check(opts: { creating: boolean }): Promise<void>
}

type StagingState = 'ok' | 'missing' | 'low'

export function createStagingGuard(opts: StagingGuardOptions): StagingGuard {
  const statfs = opts.statfs ?? fsStatfs
  let state: StagingState = 'ok'
  /** One log line per change of state, not one per request. */
  const enter = (next: StagingState, details: object) => {
    if (next === state) return
    if (next === 'missing')
      opts.log.warn({ dir: opts.dir, ...details }, 'upload staging directory is missing; resumable uploads answer 503 until it is back')
    else if (next === 'low')
      opts.log.warn(
        { dir: opts.dir, ...details },
        'upload staging is short of space (MIN_STAGING_FREE_BYTES); new resumable uploads answer 503',
      )
    else opts.log.info({ dir: opts.dir }, 'upload staging directory is usable again')
    state = next
  }
  return {
    async check({ creating }) {
      let stats: { bavail: number | bigint; bsize: number | bigint }
      try {
        stats = await statfs(opts.dir)
      } catch (err) {
        enter('missing', { code: (err as { code?: unknown }).code })
        throw unavailable('Uploads cannot be stored right now; try again later.')
      }
      const free = Number(stats.bavail) * Number(stats.bsize)
      const low = free < opts.minFreeBytes
      enter(low ? 'low' : 'ok', { freeBytes: free, minFreeBytes: opts.minFreeBytes })
      // An upload already begun may go on: refusing it would waste what it sent.
      if (low && creating) throw unavailable('The server is short of space for uploads; try again later.')
    },
  }
}

function unavailable(message: string): AppError {
  return new AppError('service_unavailable', { status: 503, message, headers: { 'retry-after': String(STAGING_RETRY_AFTER_S) } })
}
