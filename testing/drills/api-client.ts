/**
 * A Node client of OUR HTTP API (docs/api.md) that behaves like the H5 where drills need it:
 * signs in through the sandbox auth-code path, keeps the session cookie and CSRF token, retries
 * uploads on retryable answers with backoff, and retries an insertion with the same
 * Idempotency-Key until it gets a definite answer, marking every resend `Idempotency-Retry: true`.
 */
import http from 'node:http'
import { randomUUID } from 'node:crypto'
import type { Readable } from 'node:stream'
import {
  CSRF_HEADER,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_RETRY_HEADER,
  InsertionResponseSchema,
  ResourceResponseSchema,
  SandboxAuthCodeResponseSchema,
  SessionResponseSchema,
  type InsertionItem,
  type InsertionResponse,
  type Layout,
  type Position,
  type ResourceResponse,
  type User,
} from '../../server/contract/api'
import { httpRequest, parseJson, type HttpResponse } from '../http'

export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number
  /** First backoff; doubles each retry, with full jitter. Short in drills to keep them fast. */
  baseDelayMs: number
  maxDelayMs: number
  /** Statuses that mean "try again later" (anything else ≥ 400 is a definite failure). */
  retryStatuses: readonly number[]
}

/**
 * The H5's policy (src/api/http.ts `isRetryable`, src/stores/uploads/settings.ts `QUEUE_SETTINGS`): network
 * errors, 408, 429, 502 and 503 are retried, 5 attempts in all; a 500 is a server bug and is not
 * retried, so a drill surfaces it. Only the delays differ: the H5 starts at 1 s and honours
 * Retry-After; drills start at 20 ms and do not, to stay fast.
 */
export const H5_LIKE_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 20,
  maxDelayMs: 400,
  retryStatuses: [408, 429, 502, 503],
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status}: ${body.slice(0, 300)}`)
    this.name = 'ApiError'
  }
}

export interface UploadInput {
  name: string
  contentType: string
  size: number
  /** Called once per attempt: a retried upload sends the bytes again, as the H5 re-reads the blob. */
  body: () => Buffer | Readable
}

export interface ClientStats {
  uploadAttempts: number
  insertionAttempts: number
  retries: number
  /** Every answered attempt: what it was, its status and how long it took (ms). */
  timings: Array<{ op: 'upload' | 'insert' | 'signIn'; status: number; ms: number }>
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** One signed-in person talking to our server. */
export class ApiClient {
  private cookies = new Map<string, string>()
  csrfToken = ''
  user: User | null = null
  readonly stats: ClientStats = { uploadAttempts: 0, insertionAttempts: 0, retries: 0, timings: [] }
  /** Idempotency-Keys this client has sent an insertion with: any later send of one is a retry. */
  private readonly sentKeys = new Set<string>()

  constructor(
    public baseUrl: string,
    readonly retry: RetryPolicy = H5_LIKE_RETRY,
    private readonly agent: http.Agent = new http.Agent({ keepAlive: true, maxSockets: 8 }),
  ) {}

  /** Sends one request with the session cookie (and CSRF header on state-changing methods). */
  async request(
    method: string,
    path: string,
    opts: { json?: unknown; body?: Buffer | Readable; headers?: Record<string, string | number> } = {},
  ): Promise<HttpResponse> {
    const headers: Record<string, string | number> = { ...opts.headers }
    if (this.cookies.size > 0) headers['cookie'] = this.cookieHeader()
    if (method !== 'GET' && method !== 'HEAD' && this.csrfToken) headers[CSRF_HEADER] = this.csrfToken
    let body = opts.body
    if (opts.json !== undefined) {
      const text = Buffer.from(JSON.stringify(opts.json))
      headers['content-type'] = 'application/json'
      headers['content-length'] = text.length
      body = text
    }
    const res = await httpRequest(this.baseUrl + path, { method, headers, body, agent: this.agent })
    this.keepCookies(res)
    return res
  }

  /** The `Cookie` header this client sends (for drills that write raw requests). */
  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  private keepCookies(res: HttpResponse): void {
    for (const line of res.headers['set-cookie'] ?? []) {
      const pair = line.split(';', 1)[0] ?? ''
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }

  /** Signs in as a seeded user the way the sandbox page does: auth code, then POST /api/session. */
  async signIn(userId: string): Promise<User> {
    const codeRes = await this.request('POST', '/api/sandbox/auth-codes', { json: { userId } })
    if (codeRes.status !== 200) throw new ApiError(codeRes.status, codeRes.body.toString(), 'POST /api/sandbox/auth-codes')
    const { authCode } = parseJson(codeRes, SandboxAuthCodeResponseSchema, 'auth code')
    const started = performance.now()
    const res = await this.request('POST', '/api/session', { json: { authCode } })
    this.stats.timings.push({ op: 'signIn', status: res.status, ms: performance.now() - started })
    if (res.status !== 200) throw new ApiError(res.status, res.body.toString(), 'POST /api/session')
    const session = parseJson(res, SessionResponseSchema, 'POST /api/session')
    this.csrfToken = session.csrfToken
    this.user = session.user
    return session.user
  }

  private backoff(attempt: number): number {
    const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt)
    return Math.random() * cap
  }

  /**
   * Runs `send` until it gets a success or a definite failure; network errors and retryable
   * statuses are retried up to `retry.attempts` times.
   */
  private async withRetry(
    what: string,
    op: 'upload' | 'insert',
    send: () => Promise<HttpResponse>,
    success: number,
  ): Promise<HttpResponse> {
    let last = ''
    for (let attempt = 0; attempt < this.retry.attempts; attempt++) {
      if (attempt > 0) {
        this.stats.retries++
        await sleep(this.backoff(attempt))
      }
      let res: HttpResponse
      const started = performance.now()
      try {
        res = await send()
        this.stats.timings.push({ op, status: res.status, ms: performance.now() - started })
      } catch (err) {
        last = `network error: ${err instanceof Error ? err.message : String(err)}`
        continue
      }
      if (res.status === success) return res
      if (!this.retry.retryStatuses.includes(res.status)) throw new ApiError(res.status, res.body.toString(), what)
      last = `HTTP ${res.status}: ${res.body.toString().slice(0, 200)}`
    }
    throw new Error(`${what}: gave up after ${this.retry.attempts} attempts; last: ${last}`)
  }

  /** POST /api/documents/:docId/resources with retries; returns the created resource. */
  async upload(docId: string, input: UploadInput): Promise<ResourceResponse> {
    const path = `/api/documents/${encodeURIComponent(docId)}/resources?name=${encodeURIComponent(input.name)}`
    const res = await this.withRetry(
      `upload ${input.name}`,
      'upload',
      () => {
        this.stats.uploadAttempts++
        return this.request('POST', path, {
          body: input.body(),
          headers: { 'content-type': input.contentType, 'content-length': input.size },
        })
      },
      201,
    )
    return parseJson(res, ResourceResponseSchema, `upload ${input.name}`)
  }

  /**
   * POST /api/documents/:docId/insertions, retried with the same Idempotency-Key so a retry
   * can never insert twice (docs/api.md). Like the H5 (src/stores/uploads/inserter.ts `sentOnce`), every
   * send of a key this client sent before carries `Idempotency-Retry: true`, so the server reads the
   * document first even if it lost its journal; `resend` says the key went out some other way
   * (e.g. a raw `request` the drill sent before killing the server).
   */
  async insert(
    docId: string,
    items: InsertionItem[],
    opts: { layout?: Layout; position?: Position; idempotencyKey?: string; resend?: boolean } = {},
  ): Promise<InsertionResponse> {
    const key = opts.idempotencyKey ?? randomUUID()
    const body: Record<string, unknown> = { items }
    if (opts.layout) body['layout'] = opts.layout
    if (opts.position) body['position'] = opts.position
    const res = await this.withRetry(
      `insert ${items.length} item(s)`,
      'insert',
      () => {
        this.stats.insertionAttempts++
        const retry = opts.resend === true || this.sentKeys.has(key)
        this.sentKeys.add(key)
        return this.request('POST', `/api/documents/${encodeURIComponent(docId)}/insertions`, {
          json: body,
          headers: { [IDEMPOTENCY_KEY_HEADER]: key, ...(retry ? { [IDEMPOTENCY_RETRY_HEADER]: 'true' } : {}) },
        })
      },
      201,
    )
    return parseJson(res, InsertionResponseSchema, 'insertion')
  }

  /** Closes the keep-alive sockets. */
  close(): void {
    this.agent.destroy()
  }
}
