import { describe, expect, it } from 'vitest'
import { AppError } from '../../errors'
import { IdempotencyStore } from './idempotency-store'

const scope = { unionId: 'u1', docId: 'd1', key: 'key-12345' }

describe('IdempotencyStore', () => {
  it('replays a finished result without running the work again', async () => {
    const store = new IdempotencyStore<number>()
    let runs = 0
    const work = async () => ++runs
    expect(await store.run(scope, 'f', work)).toEqual({ result: 1, replayed: false })
    expect(await store.run(scope, 'f', work)).toEqual({ result: 1, replayed: true })
    expect(runs).toBe(1)
  })

  it('lets concurrent duplicates share the first run', async () => {
    const store = new IdempotencyStore<string>()
    let runs = 0
    let release: (v: string) => void = () => {}
    const work = () => {
      runs++
      return new Promise<string>((resolve) => (release = resolve))
    }
    const first = store.run(scope, 'f', work)
    const second = store.run(scope, 'f', work)
    release('done')
    expect((await first).result).toBe('done')
    expect(await second).toEqual({ result: 'done', replayed: true })
    expect(runs).toBe(1)
  })

  it('forgets failures so a retry runs again', async () => {
    const store = new IdempotencyStore<number>()
    await expect(store.run(scope, 'f', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect((await store.run(scope, 'f', async () => 7)).result).toBe(7)
  })

  it('refuses the same key with a different request', async () => {
    const store = new IdempotencyStore<number>()
    await store.run(scope, 'f', async () => 1)
    const err = await store.run(scope, 'other', async () => 2).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect(err).toMatchObject({ code: 'invalid_request', status: 400 })
  })

  it('keeps keys of different people and documents apart, and expires results', async () => {
    let now = 0
    const store = new IdempotencyStore<string>({ now: () => now, ttlMs: 1000 })
    await store.run(scope, 'f', async () => 'a')
    expect((await store.run({ ...scope, unionId: 'u2' }, 'f', async () => 'b')).result).toBe('b')
    expect((await store.run({ ...scope, docId: 'd2' }, 'f', async () => 'c')).result).toBe('c')
    now = 1001
    expect(await store.run(scope, 'f', async () => 'fresh')).toEqual({ result: 'fresh', replayed: false })
  })
})
