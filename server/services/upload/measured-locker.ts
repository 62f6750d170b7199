/**
 * Times how long each tus request waits for its upload's lock (`/metrics`: a resuming client's
 * request waits while the one it replaces lets go), whichever locker serves the deployment.
 */
import type { Lock, Locker } from '@tus/server'
import { uploadLockWaitSeconds } from '../../metrics/registry'

export function measuredLocker(locker: Locker): Locker {
  return {
    newLock(id: string): Lock {
      const lock = locker.newLock(id)
      return {
        async lock(signal, requestRelease) {
          const started = performance.now()
          await lock.lock(signal, requestRelease)
          uploadLockWaitSeconds.observe((performance.now() - started) / 1000)
        },
        unlock: () => lock.unlock(),
      }
    },
  }
}
