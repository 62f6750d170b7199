/**
 * A request body that stops arriving must not hold its connection forever (docs/api.md "Errors": 408
 * `request_timeout` after 60 s without a byte). This is an idle timer per read, not a limit on the
 * whole request: a slow upload that keeps moving on a weak link is fine. It watches the socket's
 * byte count instead of listening to the body, so it never changes how the body is read, and it
 * counts only while the body is actually being read: a body we paused (waiting for DingTalk,
 * backpressure) is not the client's fault.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { AppError, errorHandler } from '../errors'

/** Default idle limit for request bodies (docs/api.md "Errors"). */
export const BODY_IDLE_TIMEOUT_MS = 60_000
/** Default limit for the request line and headers to arrive (Node's `headersTimeout`). */
export const HEADERS_TIMEOUT_MS = 30_000

function announcesBody(request: FastifyRequest): boolean {
  const { headers } = request.raw
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0
}

/**
 * Starts watching `request`'s body; answers 408 `request_timeout` (our error shape, connection
 * closed) once it has been read from without a new byte for `idleMs`. Requests without a body,
 * and injected test requests (no real socket), are not watched.
 */
export function watchBodyIdle(request: FastifyRequest, reply: FastifyReply, idleMs: number): void {
  const raw = request.raw
  const socket = raw.socket as { bytesRead?: unknown } | null
  if (!socket || typeof socket.bytesRead !== 'number' || !announcesBody(request)) return
  const bytesRead = () => (typeof socket.bytesRead === 'number' ? socket.bytesRead : 0)
  let lastBytes = bytesRead()
  let lastProgress = Date.now()
  const timer = setInterval(check, Math.max(10, Math.min(1000, Math.floor(idleMs / 4))))
  timer.unref()
  const stop = () => clearInterval(timer)
  raw.once('end', stop)
  raw.once('close', stop)
  reply.raw.once('close', stop)

  function check(): void {
    if (raw.complete || raw.destroyed || reply.sent) return stop()
    const now = Date.now()
    // Not being read (paused by us, or not yet asked for): waiting is ours, not the client's.
    if (raw.readableFlowing !== true || bytesRead() !== lastBytes) {
      lastBytes = bytesRead()
      lastProgress = now
      return
    }
    if (now - lastProgress < idleMs) return
    stop()
    request.log.info({ idleMs }, 'request body idle; closing with 408')
    const error = new AppError('request_timeout', {
      status: 408,
      message: `No data arrived for ${Math.round(idleMs / 1000)} s; send the request again.`,
    })
    errorHandler(error, request, reply)
    // Close once the answer is out; whatever was reading the body then fails as interrupted.
    reply.raw.once('finish', () => raw.destroy())
  }
}
