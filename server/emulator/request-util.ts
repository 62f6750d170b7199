/** Small helpers the emulator's hooks share. */
import type { FastifyRequest } from 'fastify'

/** The request path without its query string. */
export function pathOf(request: FastifyRequest): string {
  const q = request.url.indexOf('?')
  return q === -1 ? request.url : request.url.slice(0, q)
}

/** Reads and discards a request body so an early answer never breaks the client's upload. */
export async function drain(request: FastifyRequest): Promise<void> {
  const raw = request.raw
  const hasBody = raw.headers['transfer-encoding'] !== undefined || Number(raw.headers['content-length'] ?? 0) > 0
  if (!hasBody || raw.readableEnded) return
  await new Promise<void>((resolve) => {
    raw.on('end', resolve)
    raw.on('close', resolve)
    raw.on('error', () => resolve())
    raw.resume()
  })
}
