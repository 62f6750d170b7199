/**
 * Where faults meet requests (README "Faults"): a delay or throttle before the handler; an error
 * instead of the handler; or, with `apply`, the handler runs (the write happens) and its answer is
 * replaced by the fault's error, or lost with the connection (`drop`). Control paths are never faulted.
 */
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { EmulatorContext } from './context'
import {
  apiErrorAnswer,
  codeForStatus,
  oapiErrorAnswer,
  ossErrorAnswer,
  pathFamily,
  sendAnswer,
  statusForCode,
  type ErrorAnswer,
} from './errors'
import type { FaultEffect, FaultError } from './faults'
import { drain, pathOf } from './request-util'

/** Headers of the real answer that would lie about the fault's answer that replaces it. */
const REAL_ANSWER_HEADERS = ['etag', 'content-length', 'content-disposition', 'content-security-policy', 'x-content-type-options']

/** The error a fault asks for, in the envelope of the path's family. */
export function faultAnswer(path: string, error: FaultError): ErrorAnswer {
  const family = pathFamily(path)
  if (family === 'oapi') {
    const numeric =
      typeof error.code === 'number' ? error.code : error.code !== undefined && /^-?\d+$/.test(error.code) ? Number(error.code) : null
    if (numeric !== null) return oapiErrorAnswer(numeric, error.message ?? '系统繁忙', error.status ?? 200)
    return oapiErrorAnswer(-1, error.message ?? String(error.code ?? '系统繁忙'), error.status ?? 500)
  }
  if (family === 'oss') {
    const code = error.code !== undefined ? String(error.code) : error.status === 403 ? 'AccessDenied' : 'InternalError'
    return ossErrorAnswer(error.status ?? 500, code, error.message ?? 'Injected fault.')
  }
  const code = error.code !== undefined ? String(error.code) : codeForStatus(error.status ?? 500)
  const status = error.status ?? statusForCode(code)
  return apiErrorAnswer(status, code, error.message ?? `Injected fault: ${code}`)
}

/** A real answer's body that will never be sent: a stream (a resource download) must not stay open. */
function discard(payload: unknown): void {
  if (payload instanceof Readable) payload.destroy()
}

/**
 * Registers the fault hooks. Returns `wasDropped`, so the call log records a dropped call once
 * (with status 0: no answer) and never again when the connection closes.
 */
export function registerFaultHooks(app: FastifyInstance, ctx: EmulatorContext): { wasDropped(request: FastifyRequest): boolean } {
  const applied = new WeakMap<FastifyRequest, FaultEffect>()
  const dropped = new WeakSet<FastifyRequest>()

  // Destroying the response destroys its socket (and, under `inject`, fails the call the same way).
  const dropConnection = (request: FastifyRequest, reply: FastifyReply): void => {
    dropped.add(request)
    ctx.requests.record(request.method, request.url, 0, ctx.clock.now())
    reply.raw.destroy()
  }

  app.addHook('onRequest', async (request, reply: FastifyReply) => {
    const path = pathOf(request)
    if (pathFamily(path) === 'control') return
    const effect = ctx.faults.take(request.method, path)
    if (!effect) return
    if (effect.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, effect.latencyMs))
    if (effect.bandwidthBytesPerSec) ctx.throttles.set(request, effect.bandwidthBytesPerSec)
    if (effect.apply) {
      applied.set(request, effect)
      return
    }
    if (effect.drop) {
      // The whole request arrives, then the connection closes: the caller cannot tell whether it was seen.
      await drain(request)
      reply.hijack()
      dropConnection(request, reply)
      return reply
    }
    if (effect.error) {
      await drain(request)
      return sendAnswer(reply, faultAnswer(path, effect.error))
    }
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const effect = applied.get(request)
    if (!effect) return payload
    applied.delete(request)
    discard(payload)
    if (effect.drop) {
      dropConnection(request, reply)
      // A body that never yields: Fastify waits on it, writes nothing, and destroys it once it sees
      // the response closed.
      return new Readable({ read() {} })
    }
    const answer = faultAnswer(pathOf(request), effect.error ?? { status: undefined, code: undefined, message: undefined })
    for (const name of REAL_ANSWER_HEADERS) reply.removeHeader(name)
    reply.code(answer.status).headers(answer.headers)
    return answer.body
  })

  return { wasDropped: (request) => dropped.has(request) }
}
