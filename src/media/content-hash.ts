/**
 * SHA-256 of exactly the bytes that will be uploaded, streamed a slice at a time through hash-wasm
 * (crypto.subtle.digest needs the whole file in memory, and is missing on plain http, where the
 * sandbox runs). Done in a worker when the browser has workers, so hashing a 60 MB video never
 * stalls the page; on the main thread otherwise. The hex digest goes in `X-Content-SHA256` and in
 * tus `Upload-Metadata`, and is what the queue compares to flag the same content picked twice.
 */
import { createSHA256 } from 'hash-wasm'

/** Bytes read per step: small enough to keep memory flat, big enough that WASM calls are few. */
export const HASH_SLICE_BYTES = 1024 * 1024

/** Streams `blob` through SHA-256 one slice at a time; lowercase hex. */
export async function sha256OfBlob(blob: Blob): Promise<string> {
  const hasher = await createSHA256()
  hasher.init()
  for (let offset = 0; offset < blob.size; offset += HASH_SLICE_BYTES) {
    const slice = await blob.slice(offset, offset + HASH_SLICE_BYTES).arrayBuffer()
    hasher.update(new Uint8Array(slice))
  }
  return hasher.digest('hex')
}

interface HashReply {
  id: number
  sha256?: string
  error?: string
}

let worker: Worker | null = null
let workerBroken = false
let nextId = 1
const pending = new Map<number, { resolve(hex: string): void; reject(err: Error): void }>()

function hashWorker(): Worker | null {
  if (worker || workerBroken || typeof Worker === 'undefined') return worker
  try {
    worker = new Worker(new URL('./hash-worker.ts', import.meta.url), { type: 'module' })
    worker.onmessage = (event: MessageEvent<HashReply>) => {
      const waiter = pending.get(event.data.id)
      if (!waiter) return
      pending.delete(event.data.id)
      if (event.data.sha256) waiter.resolve(event.data.sha256)
      else waiter.reject(new Error(event.data.error ?? 'hash worker failed'))
    }
    worker.onerror = () => {
      workerBroken = true
      worker?.terminate()
      worker = null
      for (const waiter of pending.values()) waiter.reject(new Error('hash worker crashed'))
      pending.clear()
    }
  } catch {
    workerBroken = true
  }
  return worker
}

/** The SHA-256 (hex) of `blob`, computed off the main thread when possible. */
export async function contentHash(blob: Blob): Promise<string> {
  const w = hashWorker()
  if (!w) return sha256OfBlob(blob)
  const id = nextId++
  try {
    return await new Promise<string>((resolve, reject) => {
      pending.set(id, { resolve, reject })
      w.postMessage({ id, blob })
    })
  } catch {
    // A worker that cannot hash (no WASM in workers on some webviews): the main thread can.
    return sha256OfBlob(blob)
  }
}
