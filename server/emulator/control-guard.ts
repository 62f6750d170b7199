/**
 * Keeps web pages away from the control API (`/__emulator/*`): a browser sends `Origin` with every
 * cross-site POST, and a page can only post forms or text without a CORS preflight we never grant.
 * So a foreign `Origin` gets 403 and a state-changing call with a non-JSON body gets 415. The HTML
 * view of a document stays open to plain navigation (links from the app).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { EmulatorContext } from './context'
import { pathFamily, sendApiError } from './errors'
import { drain, pathOf } from './request-util'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** `application/json`, with or without parameters such as `charset`. */
function isJson(contentType: string): boolean {
  return contentType.split(';')[0]?.trim().toLowerCase() === 'application/json'
}

function hasBody(request: FastifyRequest): boolean {
  const headers = request.raw.headers
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0
}

export function registerControlGuard(app: FastifyInstance, ctx: EmulatorContext): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request)
    if (pathFamily(path) !== 'control') return
    const safe = SAFE_METHODS.has(request.method)
    const origin = request.headers.origin
    const isDocumentView = safe && path.startsWith('/__emulator/documents/')
    if (origin !== undefined && !isDocumentView) {
      const own = new Set([`http://${request.headers.host ?? ''}`, ctx.publicOrigin(request)])
      if (!own.has(origin)) {
        await drain(request)
        return sendApiError(reply, 403, 'forbidden.crossOrigin', `the control API refuses requests from another origin (${origin})`)
      }
    }
    if (safe) return
    const contentType = request.headers['content-type']
    // A call without a body (reset, clearing faults) carries nothing a form could forge.
    if ((contentType !== undefined || hasBody(request)) && !isJson(contentType ?? '')) {
      await drain(request)
      return sendApiError(reply, 415, 'unsupportedMediaType', 'the control API takes application/json bodies only')
    }
  })
}
