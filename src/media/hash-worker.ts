/**
 * Web Worker that hashes prepared files (content-hash.ts), so a large file's SHA-256 never blocks
 * the page. Protocol: { id, blob } → { id, sha256 } | { id, error }.
 */
import '@/lib/polyfills'
import { sha256OfBlob } from './content-hash'

self.onmessage = async (event: MessageEvent<{ id: number; blob: Blob }>) => {
  const { id, blob } = event.data
  try {
    self.postMessage({ id, sha256: await sha256OfBlob(blob) })
  } catch (err) {
    self.postMessage({ id, error: String(err) })
  }
}
