import { describe, expect, it } from 'vitest'
import { createTaskPool, MAX_PREPARATIONS, preparationConcurrency } from './prepare-pool'

/** A task the test finishes by hand, in any order. */
function deferred<T>() {
  let resolve!: (v: T) => void
  let reject!: (e: Error) => void
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
  return { promise, resolve, reject }
}

const flush = () => new Promise((r) => setTimeout(r, 0))

describe('preparationConcurrency', () => {
  it('prepares two photos at once on multi-core devices, never more', () => {
    expect(preparationConcurrency({ hardwareConcurrency: 2 })).toBe(2)
    expect(preparationConcurrency({ hardwareConcurrency: 8, deviceMemory: 4 })).toBe(2)
    expect(preparationConcurrency({ hardwareConcurrency: 64 })).toBe(MAX_PREPARATIONS)
    expect(MAX_PREPARATIONS).toBe(2)
  })

  it('prepares one at a time on single-core, low-memory or silent devices', () => {
    expect(preparationConcurrency({ hardwareConcurrency: 1 })).toBe(1)
    expect(preparationConcurrency({ hardwareConcurrency: 8, deviceMemory: 1 })).toBe(1)
    expect(preparationConcurrency({})).toBe(1)
    expect(preparationConcurrency({ hardwareConcurrency: 0 })).toBe(1)
  })
})

describe('createTaskPool', () => {
  it('never runs more than the limit at once and starts tasks in the order given', async () => {
    const pool = createTaskPool(() => 2)
    const gates = Array.from({ length: 5 }, () => deferred<string>())
    const started: number[] = []
    let inFlight = 0
    let maxInFlight = 0
    const results = gates.map((gate, i) =>
      pool.run(async () => {
        started.push(i)
        maxInFlight = Math.max(maxInFlight, ++inFlight)
        try {
          return await gate.promise
        } finally {
          inFlight--
        }
      }),
    )
    await flush()
    expect(started).toEqual([0, 1])
    // Finish out of order: the second before the first.
    gates[1]!.resolve('b')
    await flush()
    expect(started).toEqual([0, 1, 2])
    gates[0]!.resolve('a')
    gates[3]!.resolve('d')
    await flush()
    expect(started).toEqual([0, 1, 2, 3, 4])
    gates[4]!.resolve('e')
    gates[2]!.resolve('c')
    // Each caller gets its own task's result whatever the completion order.
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(maxInFlight).toBe(2)
    expect(pool.running).toBe(0)
  })

  it('a failing task frees its slot and rejects only its own caller', async () => {
    const pool = createTaskPool(() => 1)
    const failing = pool.run(async () => {
      throw new Error('broken photo')
    })
    const syncThrow = pool.run((() => {
      throw new Error('thrown before any await')
    }) as () => Promise<never>)
    const next = pool.run(async () => 'next')
    await expect(failing).rejects.toThrow('broken photo')
    await expect(syncThrow).rejects.toThrow('thrown before any await')
    expect(await next).toBe('next')
  })

  it('settled() waits for the tasks given so far, not for later ones', async () => {
    const pool = createTaskPool(() => 2)
    const first = deferred<void>()
    void pool.run(() => first.promise)
    const settledEarly = pool.settled()
    const later = deferred<void>()
    void pool.run(() => later.promise)
    let early = false
    void settledEarly.then(() => (early = true))
    await flush()
    expect(early).toBe(false)
    first.resolve()
    await settledEarly
    let all = false
    void pool.settled().then(() => (all = true))
    await flush()
    expect(all).toBe(false)
    later.resolve()
    await pool.settled()
  })

  it('reads the limit when a slot frees, so a lowered limit applies to the next start', async () => {
    let limit = 2
    const pool = createTaskPool(() => limit)
    const gates = Array.from({ length: 4 }, () => deferred<void>())
    const started: number[] = []
    gates.forEach((g, i) => void pool.run(() => (started.push(i), g.promise)))
    await flush()
    expect(started).toEqual([0, 1])
    limit = 1
    gates[0]!.resolve()
    await flush()
    expect(started).toEqual([0, 1]) // still one running: at the new limit
    gates[1]!.resolve()
    await flush()
    expect(started).toEqual([0, 1, 2])
    gates[2]!.resolve()
    gates[3]!.resolve()
    await pool.settled()
  })
})
