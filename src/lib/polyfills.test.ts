import { afterEach, describe, expect, it, vi } from 'vitest'
import { settle } from './settle'

describe('engine gaps (docs/dingtalk.md#supported-engines)', () => {
  const native = Object.getOwnPropertyDescriptor(Blob.prototype, 'arrayBuffer')!
  afterEach(() => {
    Object.defineProperty(Blob.prototype, 'arrayBuffer', native)
  })

  it('Blob.prototype.arrayBuffer is there on an engine without it (Chrome 69), reading the bytes', async () => {
    Reflect.deleteProperty(Blob.prototype, 'arrayBuffer')
    expect(typeof Blob.prototype.arrayBuffer).toBe('undefined')
    vi.resetModules()
    await import('./polyfills')
    const bytes = new Uint8Array(await new Blob([new Uint8Array([1, 2, 250])]).arrayBuffer())
    expect([...bytes]).toEqual([1, 2, 250])
  })

  it('leaves a native Blob.prototype.arrayBuffer alone', async () => {
    vi.resetModules()
    await import('./polyfills')
    expect(Object.getOwnPropertyDescriptor(Blob.prototype, 'arrayBuffer')).toEqual(native)
  })

  it('settle() reports outcomes as Promise.allSettled would', async () => {
    const failure = new Error('no network')
    expect(await Promise.all([settle(Promise.resolve(1)), settle(Promise.reject(failure))])).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: failure },
    ])
  })
})
