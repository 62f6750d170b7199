/**
 * Between Fastify and `@tus/server`'s web handler: the Fastify request as a web Request whose body
 * is read only as tus asks for it, and tus's web Response sent back through Fastify (so the app's
 * headers, logging and error shape apply).
 */
import type { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorCode } from '@contract/api'
import { AppError } from '../../errors'

/** The Fastify request as a web Request for tus; its body streams from the socket with backpressure. */
export function webRequest(request: FastifyRequest): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string') headers.set(name, value)
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v)
  }
  const body = carriesBody(request) ? pullStream(request.raw) : null
  const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers, body, duplex: 'half' }
  return new Request(`${request.protocol}://${request.host}${request.url}`, init)
}

function carriesBody(request: FastifyRequest): boolean {
  return request.method === 'POST' || request.method === 'PATCH'
}

/**
 * A web stream that reads the next chunk from `source` only when asked: nothing piles up in
 * memory. The source flows exactly while a chunk is wanted and is paused otherwise, which is what
 * the body idle timer (server/limits/body-idle.ts) watches: a body we are waiting for and that does
 * not come gets 408; a body paused while tus writes to disk does not count as idle.
 */
export function pullStream(source: Readable): ReadableStream<Uint8Array> {
  let detach = () => undefined as void
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (source.readableEnded) {
          controller.close()
          return
        }
        if (source.destroyed) {
          controller.error(new Error('request body interrupted'))
          return
        }
        return new Promise<void>((resolve) => {
          const settle = (act: () => void) => {
            detach()
            source.pause()
            act()
            resolve()
          }
          const onData = (chunk: Buffer) => settle(() => controller.enqueue(chunk))
          const onEnd = () => settle(() => controller.close())
          const onError = (err: Error) => settle(() => controller.error(err))
          // Not destroyed by us on close: tus stopping early must still be able to answer on this connection.
          const onClose = () => {
            if (!source.readableEnded) onError(new Error('request body interrupted'))
          }
          detach = () => {
            source.off('data', onData)
            source.off('end', onEnd)
            source.off('error', onError)
            source.off('close', onClose)
          }
          source.on('data', onData)
          source.on('end', onEnd)
          source.on('error', onError)
          source.on('close', onClose)
          source.resume()
        })
      },
      cancel() {
        detach()
        source.pause()
      },
    },
    { highWaterMark: 0 },
  )
}

/** tus's own refusals by status, as our codes (docs/api.md "Resumable uploads"). */
const TUS_CODES: Record<number, ErrorCode> = {
  403: 'forbidden',
  404: 'not_found',
  410: 'not_found',
  413: 'file_too_large',
  415: 'unsupported_type',
}

/**
 * Sends tus's answer through Fastify. A refusal (4xx, e.g. 409 for a wrong Upload-Offset, 412
 * without Tus-Resumable) is answered in our error shape with tus's status and headers; tus's
 * plain-text 5xx (a store failure) becomes 503 `service_unavailable`: the client resumes later.
 */
export async function forward(request: FastifyRequest, reply: FastifyReply, response: Response): Promise<FastifyReply> {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    // Same-origin H5: no CORS headers (tus would allow any origin).
    if (name !== 'content-length' && !name.startsWith('access-control-')) headers[name] = value
  })
  // tus stopped reading (an error, a cut connection): do not wait for the rest of the body.
  if (!request.raw.complete && carriesBody(request)) headers.connection = 'close'
  const text = await response.text()
  // Already answered (the body idle timer's 408): nothing more can be said.
  if (reply.sent) return reply
  if (response.status >= 400) {
    if (response.status >= 500)
      request.log.warn({ status: response.status, tus: text.trim().slice(0, 200) }, 'resumable upload: tus failed')
    const unavailable = response.status >= 500
    // tus's ABORTED ("…lock acquired") also stands for a body that stopped arriving.
    const message = unavailable
      ? 'The upload could not be stored just now; resume it shortly.'
      : text.startsWith('Request aborted')
        ? 'The upload stopped before its body was complete; HEAD says where to continue.'
        : text.trim() || 'The tus request was refused.'
    throw new AppError(unavailable ? 'service_unavailable' : (TUS_CODES[response.status] ?? 'invalid_request'), {
      status: unavailable ? 503 : response.status,
      message,
      headers: unavailable ? { ...headers, 'retry-after': '2' } : headers,
    })
  }
  return reply
    .code(response.status)
    .headers(headers)
    .send(text === '' ? undefined : text)
}
