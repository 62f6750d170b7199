import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { contentHash, HASH_SLICE_BYTES, sha256OfBlob } from './content-hash'

const expected = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

describe('sha256OfBlob', () => {
  it('hashes a file larger than one slice exactly as a one-shot SHA-256 does', async () => {
    const bytes = new Uint8Array(HASH_SLICE_BYTES * 2 + 12345)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) % 256
    expect(await sha256OfBlob(new Blob([bytes]))).toBe(expected(bytes))
  })

  it('hashes an empty file', async () => {
    expect(await sha256OfBlob(new Blob([]))).toBe(expected(new Uint8Array(0)))
  })

  it('gives the same hash through contentHash (worker where there is one)', async () => {
    const bytes = new TextEncoder().encode('the same photo, picked twice')
    expect(await contentHash(new Blob([bytes]))).toBe(expected(bytes))
  })
})
