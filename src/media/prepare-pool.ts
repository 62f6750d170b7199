/**
 * How many photos are prepared at once, and the small FIFO pool that enforces it.
 *
 * One preparation at a time leaves the uplink idle between uploads whenever preparing a photo takes
 * longer than sending the previous one (≈ 0.6 s for a 0.77 MB result at 10 Mbit/s). A preparation
 * is not pure CPU: reading the pick, handing it to the worker, waiting for the decoder thread and
 * the encoder, and saving the result to IndexedDB leave gaps a second preparation fills. More than
 * two buys little (the decode/encode threads are the limit) and costs memory: each preparation
 * holds the picked bytes (≈ 5 MB), the decoded photo at output size (2560×1920 RGBA ≈ 20 MB, since
 * it is decoded at that size, see canvas-encode.ts) and its canvas (≈ 20 MB) — two at once need
 * about what one full-size 12 MP decode used to (48 MB bitmap + canvas).
 */

/** The most preparations ever in flight: two keep the uplink busy; more only add memory. */
export const MAX_PREPARATIONS = 2

/** What the bound depends on; `navigator` in the browser (deviceMemory is Chromium-only, in GB). */
export interface DeviceHints {
  hardwareConcurrency?: number
  deviceMemory?: number
}

/**
 * Preparations to run at once on this device: 2 with at least two cores and enough memory, else 1.
 * Devices that report ≤ 1 GB (deviceMemory < 2) or a single core, and engines that report nothing,
 * prepare one photo at a time.
 */
export function preparationConcurrency(device: DeviceHints | undefined = globalThis.navigator): number {
  const cores = device?.hardwareConcurrency
  if (!cores || cores < 2) return 1
  if (device?.deviceMemory !== undefined && device.deviceMemory < 2) return 1
  return Math.min(MAX_PREPARATIONS, cores)
}

export interface TaskPool {
  /** Runs `task` once fewer than the limit are running; tasks start in the order they were given. */
  run<T>(task: () => Promise<T>): Promise<T>
  /** Resolves when every task given so far has settled (tasks given later are not waited for). */
  settled(): Promise<void>
  /** Tasks running now. */
  readonly running: number
}

/**
 * A FIFO pool running at most `limit()` tasks at once. The limit is read whenever a slot frees, so
 * a changed setting applies to the next start. Each caller gets its own task's result, whatever
 * order the tasks finish in.
 */
export function createTaskPool(limit: () => number): TaskPool {
  const waiting: Array<() => void> = []
  let running = 0
  let all: Promise<void> = Promise.resolve()

  function startNext(): void {
    while (running < Math.max(1, limit()) && waiting.length > 0) {
      running++
      waiting.shift()?.()
    }
  }

  function run<T>(task: () => Promise<T>): Promise<T> {
    const result = new Promise<T>((resolve, reject) => {
      waiting.push(() => {
        // A task that throws synchronously must still free its slot.
        Promise.resolve()
          .then(task)
          .then(resolve, reject)
          .finally(() => {
            running--
            startNext()
          })
      })
    })
    const done = result.then(
      () => undefined,
      () => undefined,
    )
    all = Promise.all([all, done]).then(() => undefined)
    startNext()
    return result
  }

  return {
    run,
    settled: () => all,
    get running() {
      return running
    },
  }
}
