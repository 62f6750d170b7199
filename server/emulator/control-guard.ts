/**
 * Keeps web pages away from the control API (`/__emulator/*`): a browser sends `Origin` with every
 * cross-site POST, and a page can only post forms or text without a CORS preflight we never grant.
 * So a foreign `Origin` gets 403 and a state-changing call with a non-JSON body gets 415. The HTML
 * view of a document stays open to plain navigation (links from the app).
 *
 * `Origin` is compared with `Host`, which a DNS-rebinding page controls (its own name, resolved to
 * 127.0.0.1): so every control request must also name a loopback host, or one the operator listed
 * in EMULATOR_ALLOWED_HOSTS (README "Control API"), else 403 `forbidden.hostNotAllowed`.
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

/** The host part of a Host header (`name:port`, `[v6]:port`), lower-case, without the port. */
function hostName(host: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(host)
  if (bracketed) return (bracketed[1] ?? '').toLowerCase()
  return host.replace(/:\d*$/, '').toLowerCase()
}

/** localhost, 127.0.0.0/8 and ::1: names a rebinding page cannot take over. */
function isLoopback(name: string): boolean {
  if (name === 'localhost' || name === '::1') return true
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name)
  return octets !== null && octets.slice(1).every((o) => Number(o) <= 255)
}

/** Whether `host` (the request's Host header) may use the control API. */
export function isAllowedControlHost(host: string | undefined, allowed: readonly string[]): boolean {
  if (!host) return false
  const name = hostName(host)
  return isLoopback(name) || allowed.includes(name) || allowed.includes(host.toLowerCase())
}

export function registerControlGuard(app: FastifyInstance, ctx: EmulatorContext): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request)
    if (pathFamily(path) !== 'control') return
    const host = request.headers.host
    if (!isAllowedControlHost(host, ctx.config.allowedHosts)) {
      await drain(request)
      return sendApiError(
        reply,
        403,
        'forbidden.hostNotAllowed',
        `the control API answers only loopback hosts and EMULATOR_ALLOWED_HOSTS, not "${host ?? ''}"`,
      )
    }
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
