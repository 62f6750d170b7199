/**
 * The one axios instance for our server (docs/api.md). Every failure leaves this module as an
 * `ApiError` carrying the server's error code, so stores and components never see axios shapes.
 */
import axios, { AxiosError, type AxiosRequestConfig } from 'axios'
import type { z } from 'zod'
import { CSRF_HEADER, ErrorBodySchema } from '@contract/api'

/** Codes the client produces itself, next to the server's ERROR_CODES. */
export type ClientErrorCode = 'network_error' | 'timeout' | 'cancelled' | 'invalid_response'

/** A failed call to our API, in the shape of docs/api.md's error envelope plus the HTTP status. */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly code: string
  /** HTTP status; 0 when no response arrived (network error, timeout, cancelled). */
  readonly status: number
  readonly requestId?: string
  /** `error.details` from the server (e.g. InsertionIncompleteDetails on a failed insertion). */
  readonly details?: unknown
  /** From a `Retry-After` header in seconds, when the server sent one. */
  readonly retryAfterSeconds?: number

  constructor(init: { code: string; status: number; message: string; requestId?: string; details?: unknown; retryAfterSeconds?: number }) {
    super(init.message)
    this.code = init.code
    this.status = init.status
    if (init.requestId !== undefined) this.requestId = init.requestId
    if (init.details !== undefined) this.details = init.details
    if (init.retryAfterSeconds !== undefined) this.retryAfterSeconds = init.retryAfterSeconds
  }
}

/** Default for JSON calls; uploads pass their own `timeout` per request. */
export const DEFAULT_TIMEOUT_MS = 15_000

export const http = axios.create({
  baseURL: '/api',
  withCredentials: true,
  timeout: DEFAULT_TIMEOUT_MS,
  // Tell ETIMEDOUT (our timeout) apart from ECONNABORTED (a connection the browser aborted).
  transitional: { clarifyTimeoutError: true },
})

let csrfToken: string | null = null

/**
 * Remembers the `csrfToken` from the session endpoints; every later request carries it in
 * `x-csrf-token` (docs/api.md: required on state-changing calls). `null` forgets it (sign-out).
 */
export function setCsrfToken(token: string | null): void {
  csrfToken = token
}

/** The CSRF token requests carry now (for requests made outside axios, e.g. by tus-js-client). */
export function currentCsrfToken(): string | null {
  return csrfToken
}

let writesHeld: Promise<void> | null = null

/**
 * Until `until` settles, state-changing calls wait (the app started offline from the last known
 * session: the server confirms it first, and that answer brings the CSRF token they must carry).
 */
export function holdWritesUntil(until: Promise<unknown>): void {
  const held: Promise<void> = until
    .catch(() => undefined)
    .then(() => {
      if (writesHeld === held) writesHeld = null
    })
  writesHeld = held
}

/** Resolves when state-changing calls may go out (at once, unless held by holdWritesUntil). */
export function writesAllowed(): Promise<void> {
  return writesHeld ?? Promise.resolve()
}

http.interceptors.request.use(async (config) => {
  const isWrite = (config.method ?? 'get').toLowerCase() !== 'get' && !(config.url ?? '').startsWith('/session')
  if (isWrite && writesHeld) await writesHeld
  if (csrfToken !== null) config.headers.set(CSRF_HEADER, csrfToken)
  return config
})

type UnauthenticatedListener = (error: ApiError) => void
const unauthenticatedListeners = new Set<UnauthenticatedListener>()

/**
 * Called when a call other than the session endpoints answers 401: the session expired while the
 * app was open. The session store subscribes to send the person back to sign-in. Returns unsubscribe.
 */
export function onUnauthenticated(listener: UnauthenticatedListener): () => void {
  unauthenticatedListeners.add(listener)
  return () => unauthenticatedListeners.delete(listener)
}

http.interceptors.response.use(
  (response) => response,
  (error: unknown) => {
    const apiError = toApiError(error)
    const url = error instanceof AxiosError ? (error.config?.url ?? '') : ''
    if (apiError.status === 401 && !url.startsWith('/session')) {
      for (const listener of unauthenticatedListeners) listener(apiError)
    }
    return Promise.reject(apiError)
  },
)

/** Code for an error response whose body is not our envelope (a proxy page, an empty 502). */
function fallbackCode(status: number): string {
  if (status === 401) return 'unauthenticated'
  if (status === 403) return 'forbidden'
  if (status === 404) return 'not_found'
  if (status === 408) return 'request_timeout'
  if (status === 413) return 'payload_too_large'
  if (status === 429) return 'rate_limited'
  if (status === 502 || status === 503 || status === 504) return 'dingtalk_unavailable'
  if (status >= 500) return 'internal_error'
  return 'invalid_request'
}

function parseRetryAfter(value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined
  const seconds = Number(value)
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined
}

/**
 * Turns anything thrown by an axios call into an `ApiError`: the server's envelope when there is
 * one, `network_error` / `timeout` / `cancelled` (status 0) when no response arrived.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  if (!(error instanceof AxiosError)) {
    const message = error instanceof Error ? error.message : String(error)
    return new ApiError({ code: 'network_error', status: 0, message })
  }
  if (error.code === AxiosError.ERR_CANCELED) {
    return new ApiError({ code: 'cancelled', status: 0, message: 'Request cancelled' })
  }
  const response = error.response
  if (!response) {
    const timedOut = error.code === AxiosError.ETIMEDOUT || error.code === AxiosError.ECONNABORTED
    return new ApiError({
      code: timedOut ? 'timeout' : 'network_error',
      status: 0,
      message: error.message,
    })
  }
  const retryAfterSeconds = parseRetryAfter(response.headers['retry-after'])
  const body = ErrorBodySchema.safeParse(response.data)
  if (body.success) {
    const { code, message, requestId, details } = body.data.error
    return new ApiError({ code, status: response.status, message, requestId, details, retryAfterSeconds })
  }
  return new ApiError({
    code: fallbackCode(response.status),
    status: response.status,
    message: `HTTP ${response.status}`,
    retryAfterSeconds,
  })
}

/**
 * Whether trying the same call again later may succeed: no response (network, timeout), or the
 * server said 408 (the connection stalled) / 429 / 502 / 503.
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false
  if (error.code === 'network_error' || error.code === 'timeout') return true
  return error.status === 408 || error.status === 429 || error.status === 502 || error.status === 503
}

/**
 * Performs one call and parses the JSON answer with a contract schema (docs/architecture.md: validation at the
 * edges). A body that does not match becomes `ApiError('invalid_response')` rather than bad data.
 */
export async function request<S extends z.ZodType>(schema: S, config: AxiosRequestConfig): Promise<z.infer<S>> {
  const response = await http.request<unknown>(config)
  const parsed = schema.safeParse(response.data)
  if (!parsed.success) {
    throw new ApiError({
      code: 'invalid_response',
      status: response.status,
      message: `Unexpected response from ${config.method ?? 'GET'} ${config.url ?? ''}`,
      requestId: typeof response.headers['x-request-id'] === 'string' ? response.headers['x-request-id'] : undefined,
    })
  }
  return parsed.data
}
