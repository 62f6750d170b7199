/**
 * Transport: every outbound DingTalk exchange goes through `call()` (JSON APIs) or `upload()` (the
 * resource PUT). `call()` = per-API rate limit → app token (cached, single-flight) → one HTTP
 * exchange with a timeout → envelope and schema parsing → DingTalkError → bounded retry with
 * backoff. Which API is called and how its answer reads is in ./endpoints/.
 */
import type { Readable } from 'node:stream'
import type { z } from 'zod'
import { DingTalkError, INVALID_RESPONSE, IP_BANNED, isTokenRejected, wasNotDelivered } from './errors'
import { headerValue, isIpBan, oapiFailure, parseErrorBody, parseJson, parseOssError, uploadFailureCode } from './envelopes'
import { NetworkError, redactUrl, send, type HttpResponse } from './http'
import { createRateLimiter, type Clock } from './rate-limit'
import { backoffDelayMs, parseRetryAfterMs } from './retry'
import { createTokenCache, type FetchedToken, type TokenCache, type TokenCacheOptions } from './token-cache'

/** The subset of a pino logger the client uses. */
export interface DingTalkLogger {
  debug(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
}

type QueryValue = string | number | boolean | undefined

/** One JSON API call, as an endpoint describes it. */
export interface CallSpec<T> {
  method: 'GET' | 'POST'
  host: 'api' | 'oapi'
  /** Path with `{param}` placeholders; also the rate-limit key and what logs show. */
  template: string
  params?: Record<string, string>
  query?: Record<string, QueryValue>
  body?: unknown
  /** Parses the success body; a mismatch is `invalidResponse`. */
  schema: z.ZodType<T>
  /**
   * `header` for api.dingtalk.com, `query` for oapi (`?access_token=`), `none` for the token
   * endpoints themselves.
   */
  auth: 'header' | 'query' | 'none'
  /**
   * False for calls that must not happen twice (inserts, a single-use auth code): those are only
   * retried when DingTalk certainly did not act on them (errors.ts `wasNotDelivered`).
   */
  idempotent: boolean
}

/**
 * Which app token oapi gets: `auto` sends the v1.0 token and switches to the legacy `/gettoken`
 * token for good once oapi refuses it (docs/dingtalk.md#legacy-gettoken); `app` or `legacy` fix it.
 */
export type OapiTokenChoice = 'auto' | 'app' | 'legacy'

export interface TransportSettings {
  apiBase: string
  oapiBase: string
  log: DingTalkLogger
  clock: Clock
  sleep: (ms: number) => Promise<void>
  maxAttempts: number
  requestsPerSecond: number
  burst: number
  backoff: { baseDelayMs: number; maxDelayMs: number; random: () => number }
  timeoutMs: number
  uploadTimeoutMs: number
  oapiToken: OapiTokenChoice
  /** The v1.0 app token (docs/dingtalk.md#access-token), fetched through the transport itself. */
  fetchAppToken: (call: Transport['call']) => Promise<FetchedToken>
  /** The legacy oapi token (docs/dingtalk.md#legacy-gettoken). */
  fetchLegacyToken: (call: Transport['call']) => Promise<FetchedToken>
  /** Sees each successful answer as DingTalk sent it (never the token endpoints'); for diagnostics. */
  onAnswer?: (api: string, body: unknown) => void
  /** Replaces the per-process per-API budget (several replicas share one in Redis). */
  limiter?: { acquire(api: string): Promise<void> }
  /** Replaces the per-process token caches (several replicas share the tokens in Redis); `kind` names the token. */
  tokenCache?: (opts: TokenCacheOptions, kind: 'app' | 'legacy') => TokenCache
}

export interface Transport {
  call<T>(spec: CallSpec<T>): Promise<T>
  upload(uploadUrl: string, body: Readable, opts: { mediaType: string; size: number; signal?: AbortSignal }): Promise<void>
}

type TokenKind = 'app' | 'legacy'

const MAX_JSON_BODY_BYTES = 4 * 1024 * 1024
const MAX_ERROR_BODY_BYTES = 64 * 1024

export function createTransport(s: TransportSettings): Transport {
  const limiter = s.limiter ?? createRateLimiter({ requestsPerSecond: s.requestsPerSecond, burst: s.burst, clock: s.clock, sleep: s.sleep })
  const makeTokenCache = s.tokenCache ?? ((opts: TokenCacheOptions) => createTokenCache(opts))
  const tokens: Record<TokenKind, TokenCache> = {
    app: makeTokenCache({ clock: s.clock, fetchToken: () => s.fetchAppToken(call) }, 'app'),
    legacy: makeTokenCache({ clock: s.clock, fetchToken: () => s.fetchLegacyToken(call) }, 'legacy'),
  }
  /** Set once oapi refused the v1.0 token: later oapi calls (logins) go straight to the legacy one. */
  let oapiNeedsLegacy = s.oapiToken === 'legacy'

  function tokenKindFor(spec: CallSpec<unknown>): TokenKind | undefined {
    if (spec.auth === 'none') return undefined
    return spec.auth === 'query' && oapiNeedsLegacy ? 'legacy' : 'app'
  }

  /**
   * After DingTalk refused a token: whether to repeat the call with another one. Each kind is
   * refreshed at most once per call. On oapi in `auto`, a v1.0 token refused as invalid (40014), or
   * refused again after a refresh, means oapi wants the legacy token.
   */
  function recoverFromRefusedToken(spec: CallSpec<unknown>, kind: TokenKind, token: string, code: string, refreshed: Set<TokenKind>) {
    const switchToLegacy = spec.auth === 'query' && kind === 'app' && s.oapiToken === 'auto' && (code === '40014' || refreshed.has('app'))
    if (switchToLegacy) {
      // Another call may have switched already; either way the next attempt carries the legacy token.
      if (!oapiNeedsLegacy) {
        oapiNeedsLegacy = true
        s.log.warn(
          { api: `${spec.method} ${spec.template}`, dingtalkCode: code },
          'oapi refused the v1.0 app token; using the legacy token for oapi',
        )
      }
      return true
    }
    if (refreshed.has(kind)) return false
    refreshed.add(kind)
    tokens[kind].invalidate(token)
    return true
  }

  async function call<T>(spec: CallSpec<T>): Promise<T> {
    const api = `${spec.method} ${spec.template}`
    const refreshed = new Set<TokenKind>()
    for (let attempt = 1; ; attempt++) {
      await limiter.acquire(api)
      const kind = tokenKindFor(spec)
      const token = kind === undefined ? undefined : await tokens[kind].get()
      try {
        return await attemptOnce(spec, api, token, attempt)
      } catch (err) {
        if (!(err instanceof DingTalkError)) throw err
        if (kind !== undefined && token !== undefined && isTokenRejected(err.status, err.dingtalkCode)) {
          // A token repeat is not a backoff attempt: the call itself did not fail.
          if (recoverFromRefusedToken(spec, kind, token, err.dingtalkCode, refreshed)) {
            attempt--
            continue
          }
        }
        const mayRepeat = spec.idempotent || wasNotDelivered(err.status, err.dingtalkCode)
        if (!err.retryable || !mayRepeat || attempt >= s.maxAttempts) throw err
        // DingTalk's own Retry-After (when sent) wins over our schedule, within the same cap.
        const hintMs = err.retryAfterFromDingTalk ? (err.retryAfterSeconds ?? 0) * 1000 : 0
        const delay = Math.max(backoffDelayMs(attempt, s.backoff), Math.min(hintMs, s.backoff.maxDelayMs))
        s.log.warn({ api, attempt, dingtalkCode: err.dingtalkCode, status: err.status, delayMs: delay }, 'dingtalk call retried')
        await s.sleep(delay)
      }
    }
  }

  async function attemptOnce<T>(spec: CallSpec<T>, api: string, token: string | undefined, attempt: number): Promise<T> {
    const url = buildUrl(spec, token)
    const headers: Record<string, string> = { accept: 'application/json' }
    if (spec.body !== undefined) headers['content-type'] = 'application/json; charset=utf-8'
    if (spec.auth === 'header' && token !== undefined) headers['x-acs-dingtalk-access-token'] = token

    const started = s.clock.now()
    let res: HttpResponse
    try {
      res = await send({
        method: spec.method,
        url,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        timeoutMs: s.timeoutMs,
        maxBodyBytes: MAX_JSON_BODY_BYTES,
      })
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err
      s.log.debug(
        { method: spec.method, path: spec.template, status: 0, attempt, durationMs: s.clock.now() - started, code: err.code },
        'dingtalk call',
      )
      throw new DingTalkError({ status: 0, dingtalkCode: err.code, api, outcomeUnknown: !spec.idempotent && err.maybeDelivered })
    }
    const requestId = headerValue(res.headers['x-acs-request-id'])
    const logLine = { method: spec.method, path: spec.template, status: res.status, attempt, durationMs: s.clock.now() - started }

    if (res.status < 200 || res.status >= 300) {
      const parsed = parseErrorBody(res)
      const retryAfterMs = parseRetryAfterMs(res.headers['retry-after'])
      s.log.debug({ ...logLine, code: parsed.code }, 'dingtalk call')
      throw new DingTalkError({
        status: res.status,
        dingtalkCode: parsed.code,
        dingtalkMessage: parsed.message,
        requestId: parsed.requestId ?? requestId,
        api,
        outcomeUnknown: !spec.idempotent && res.status >= 500,
        retryAfterSeconds: retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000),
      })
    }

    const json = res.truncated ? undefined : parseJson(res.text)
    if (isIpBan(json)) {
      s.log.debug({ ...logLine, code: IP_BANNED }, 'dingtalk call')
      throw new DingTalkError({ status: res.status, dingtalkCode: IP_BANNED, requestId, api })
    }
    const oapi = spec.host === 'oapi' ? oapiFailure(json) : undefined
    if (oapi) {
      s.log.debug({ ...logLine, code: oapi.code }, 'dingtalk call')
      throw new DingTalkError({
        status: res.status,
        dingtalkCode: oapi.code,
        dingtalkMessage: oapi.message,
        requestId: oapi.requestId ?? requestId,
        api,
        // -1 "system busy" may have consumed a single-use code; throttling did not.
        outcomeUnknown: !spec.idempotent && oapi.code === '-1',
      })
    }
    const parsed = spec.schema.safeParse(json)
    if (!parsed.success) {
      s.log.debug({ ...logLine, code: INVALID_RESPONSE }, 'dingtalk call')
      throw new DingTalkError({ status: res.status, dingtalkCode: INVALID_RESPONSE, requestId, api })
    }
    s.log.debug(logLine, 'dingtalk call')
    if (spec.auth !== 'none') s.onAnswer?.(api, json)
    return parsed.data
  }

  function buildUrl(spec: CallSpec<unknown>, token: string | undefined): string {
    const path = spec.template.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = spec.params?.[name]
      if (value === undefined) throw new Error(`missing path parameter ${name} for ${spec.template}`)
      return encodeURIComponent(value)
    })
    const url = new URL((spec.host === 'api' ? s.apiBase : s.oapiBase) + path)
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v))
    if (spec.auth === 'query' && token !== undefined) url.searchParams.set('access_token', token)
    return url.toString()
  }

  async function upload(uploadUrl: string, body: Readable, opts: { mediaType: string; size: number; signal?: AbortSignal }) {
    const api = `PUT ${redactUrl(uploadUrl)}`
    if (!isHttpUrl(uploadUrl)) {
      // DingTalk handed out something we cannot PUT to; nothing was sent.
      body.destroy()
      throw new DingTalkError({ status: 200, dingtalkCode: INVALID_RESPONSE, api: 'PUT <uploadUrl>' })
    }
    const started = s.clock.now()
    let res: HttpResponse
    try {
      res = await send({
        method: 'PUT',
        url: uploadUrl,
        headers: { 'content-type': opts.mediaType, 'content-length': String(opts.size) },
        body,
        timeoutMs: s.uploadTimeoutMs,
        signal: opts.signal,
        maxBodyBytes: MAX_ERROR_BODY_BYTES,
      })
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err
      const code = uploadFailureCode(err, body, opts.signal)
      s.log.debug(
        { method: 'PUT', url: redactUrl(uploadUrl), status: 0, size: opts.size, durationMs: s.clock.now() - started, code },
        'dingtalk upload',
      )
      throw new DingTalkError({ status: 0, dingtalkCode: code, api })
    } finally {
      // A failed PUT leaves the source stream half-read; release it rather than leak it.
      if (!body.readableEnded) body.destroy()
    }
    const logLine = { method: 'PUT', url: redactUrl(uploadUrl), status: res.status, size: opts.size, durationMs: s.clock.now() - started }
    if (res.status >= 200 && res.status < 300) {
      s.log.debug(logLine, 'dingtalk upload')
      return
    }
    const oss = parseOssError(res.text)
    s.log.debug({ ...logLine, code: oss.code }, 'dingtalk upload')
    throw new DingTalkError({
      status: res.status,
      dingtalkCode: oss.code,
      dingtalkMessage: oss.message,
      requestId: oss.requestId ?? headerValue(res.headers['x-oss-request-id']),
      api,
    })
  }

  return { call, upload }
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value)
    return protocol === 'https:' || protocol === 'http:'
  } catch {
    return false
  }
}
