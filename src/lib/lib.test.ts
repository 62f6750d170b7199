import { afterEach, describe, expect, it, vi } from 'vitest'
import { formatBytes } from './format'
import { newId } from './ids'
import { Cancelled, sleep } from './sleep'

afterEach(() => vi.useRealTimers())

describe('formatBytes', () => {
  it('shows bytes, whole kilobytes and megabytes with at most one decimal', () => {
    expect([1000, 2048, 20 * 1024 * 1024, 1.25 * 1024 * 1024, 150.4 * 1024 * 1024].map(formatBytes)).toEqual([
      '1000 B',
      '2 KB',
      '20 MB',
      '1.3 MB',
      '150 MB',
    ])
  })
})

describe('newId', () => {
  it('makes distinct version-4 UUIDs (the server accepts them as Idempotency-Key)', () => {
    const ids = new Set(Array.from({ length: 50 }, newId))
    expect(ids.size).toBe(50)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })
})

describe('sleep', () => {
  it('resolves after the delay, and rejects with Cancelled as soon as its signal aborts', async () => {
    vi.useFakeTimers()
    const done = vi.fn()
    void sleep(1000).then(done)
    await vi.advanceTimersByTimeAsync(999)
    expect(done).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    expect(done).toHaveBeenCalled()

    const controller = new AbortController()
    const waiting = sleep(60_000, controller.signal)
    controller.abort()
    await expect(waiting).rejects.toBeInstanceOf(Cancelled)
  })
})
