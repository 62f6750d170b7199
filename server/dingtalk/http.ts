/**
 * The wire: one HTTP exchange with DingTalk via undici, with timeouts, bounded body reads and
 * network failures turned into stable codes. No retries, no parsing of DingTalk semantics here.
 */
import type { Readable } from 'node:stream'
import { request } from 'undici'
import { ABORTED, TIMEOUT } from './errors'

export interface HttpResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The response body as text, cut at `maxBodyBytes` (then `truncated` is true). */
  text: string
  truncated: boolean
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT'
  url: string
  headers: Record<string, string>
  body?: string | Readable
  timeoutMs: number
  /** The caller's cancellation (e.g. the browser went away). */
  signal?: AbortSignal
  maxBodyBytes: number
}

/** A request that never produced an HTTP response; `code` is an errno/undici code, `timeout` or `aborted`. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError'
  constructor(
    readonly code: string,
    /** True once the request may have reached DingTalk (anything but a refused/failed connect). */
    readonly maybeDelivered: boolean,
  ) {
    super(`network failure: ${code}`)
  }
}

const NOT_CONNECTED = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN'])

/** Sends one request and reads the whole (bounded) response body. Throws NetworkError only. */
export async function send(req: HttpRequest): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(req.timeoutMs)
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout
  try {
    const res = await request(req.url, { method: req.method, headers: req.headers, body: req.body, signal })
    let size = 0
    let truncated = false
    const chunks: Buffer[] = []
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > req.maxBodyBytes) {
        truncated = true
        res.body.destroy()
        break
      }
      chunks.push(chunk)
    }
    return { status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), truncated }
  } catch (err) {
    throw toNetworkError(err, req.signal, timeout)
  }
}

function toNetworkError(err: unknown, callerSignal: AbortSignal | undefined, timeout: AbortSignal): NetworkError {
  if (callerSignal?.aborted) return new NetworkError(ABORTED, true)
  if (timeout.aborted) return new NetworkError(TIMEOUT, true)
  const code = errorCode(err) ?? errorCode((err as { cause?: unknown } | null)?.cause) ?? 'networkError'
  return new NetworkError(code, !NOT_CONNECTED.has(code))
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined
  return typeof err.code === 'string' ? err.code : undefined
}

/**
 * A URL safe to log: origin and path only. Upload URLs carry their signature (and DingTalk oapi
 * URLs the access token) in the query, which must never reach a log.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname}`
  } catch {
    return '<invalid url>'
  }
}
