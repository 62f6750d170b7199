/**
 * A tiny in-memory stand-in for our server, installed as the axios adapter of `http` (so the real
 * interceptors, error mapping and schema parsing all run). Tests register handlers per
 * "METHOD /path" (paths as the client writes them, without the `/api` base) and inspect `calls`.
 */
import { AxiosError, AxiosHeaders, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios'
import { http } from '@/api/http'

export interface FakeRequest {
  method: string
  path: string
  params: Record<string, string>
  body: unknown
  headers: Record<string, string>
  /** The request's abort signal, when the caller gave one (uploads do). */
  signal?: AbortSignal
}

export type FakeReply =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** No response at all, as when the phone is offline. */
  | { fail: 'network' | 'timeout' }

export type FakeHandler = (request: FakeRequest) => FakeReply | Promise<FakeReply>

/** Our error envelope (docs/api.md#conventions), for handlers that answer with an error. */
export function errorReply(
  status: number,
  code: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): FakeReply {
  return { status, body: { error: { code, message: `${code} (fake)`, requestId: 'req-fake', ...extra } }, headers }
}

export interface FakeApi {
  on(route: string, handler: FakeHandler | FakeReply): void
  calls: FakeRequest[]
  /** Calls to one route, e.g. `count('GET /documents')`. */
  count(route: string): number
  restore(): void
}

function toRecord(value: unknown, lowerCaseKeys = false): Record<string, string> {
  const out: Record<string, string> = {}
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined && v !== null) out[lowerCaseKeys ? k.toLowerCase() : k] = String(v)
    }
  }
  return out
}

/**
 * Replaces the HTTP layer for one test; call `restore()` in afterEach. Unregistered routes answer 404.
 * Like the browser: aborting a request's signal rejects it at once (even while its handler is still
 * pending), and a Blob body reports its upload progress once before the response arrives.
 */
export function installFakeApi(): FakeApi {
  const handlers = new Map<string, FakeHandler>()
  const calls: FakeRequest[] = []
  const original = http.defaults.adapter

  const adapter: AxiosAdapter = async (config: InternalAxiosRequestConfig) => {
    const method = (config.method ?? 'get').toUpperCase()
    const path = (config.url ?? '').split('?')[0] ?? ''
    const headers = toRecord(AxiosHeaders.from(config.headers).toJSON(), true)
    const body = typeof config.data === 'string' && config.data !== '' ? (JSON.parse(config.data) as unknown) : config.data
    const signal = config.signal instanceof AbortSignal ? config.signal : undefined
    const request: FakeRequest = { method, path, params: toRecord(config.params), body, headers, ...(signal ? { signal } : {}) }
    calls.push(request)
    const handler = handlers.get(`${method} ${path}`)
    const reply = await new Promise<FakeReply>((resolve, reject) => {
      const cancel = () => reject(new AxiosError('canceled', AxiosError.ERR_CANCELED, config))
      if (signal?.aborted) return cancel()
      signal?.addEventListener('abort', cancel, { once: true })
      Promise.resolve(handler ? handler(request) : errorReply(404, 'not_found')).then(resolve, reject)
    })
    if (!('fail' in reply) && body instanceof Blob) {
      config.onUploadProgress?.({ loaded: body.size, total: body.size, bytes: body.size, lengthComputable: true })
    }
    if ('fail' in reply) {
      // What axios's XHR adapter produces (timeouts with transitional.clarifyTimeoutError, as http.ts sets).
      if (reply.fail === 'timeout') throw new AxiosError('timeout exceeded', AxiosError.ETIMEDOUT, config)
      throw new AxiosError('Network Error', AxiosError.ERR_NETWORK, config)
    }
    const response: AxiosResponse = {
      data: reply.body ?? '',
      status: reply.status,
      statusText: String(reply.status),
      headers: new AxiosHeaders(reply.headers ?? {}),
      config,
      request: {},
    }
    const validate = config.validateStatus ?? ((s: number) => s >= 200 && s < 300)
    if (validate(reply.status)) return response
    throw new AxiosError(
      `Request failed with status code ${reply.status}`,
      reply.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST,
      config,
      {},
      response,
    )
  }
  http.defaults.adapter = adapter

  return {
    on(route, handler) {
      handlers.set(route, typeof handler === 'function' ? handler : () => handler)
    },
    calls,
    count: (route) => calls.filter((c) => `${c.method} ${c.path}` === route).length,
    restore() {
      http.defaults.adapter = original
    },
  }
}
