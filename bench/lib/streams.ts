/**
 * Generated upload bodies for the streaming benchmark: a Readable fed by a generator that yields
 * slices of one shared 1 MiB pool, so a 205 MB "file" costs no memory and little CPU. Each body
 * starts with a PDF header so the server's sniffing accepts it as an attachable file.
 */
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'

const CHUNK = 64 * 1024
const POOL = randomBytes(1024 * 1024)
const PDF_HEAD = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1')

export const GENERATED_MEDIA_TYPE = 'application/pdf'

async function* pdfLikeBytes(size: number): AsyncGenerator<Buffer> {
  let sent = 0
  const head = PDF_HEAD.subarray(0, Math.min(size, PDF_HEAD.length))
  yield head
  sent += head.length
  let offset = 0
  while (sent < size) {
    const n = Math.min(CHUNK, size - sent, POOL.length - offset)
    yield POOL.subarray(offset, offset + n)
    sent += n
    offset = (offset + n) % POOL.length
  }
}

/** A fresh stream of exactly `size` bytes (PDF header, then pseudo-random bytes). */
export function generatedBody(size: number): Readable {
  return Readable.from(pdfLikeBytes(size), { objectMode: false, highWaterMark: CHUNK })
}

/** Splits `total` bytes into `parts` sizes that differ by at most one byte. */
export function splitBytes(total: number, parts: number): number[] {
  const base = Math.floor(total / parts)
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0))
}
