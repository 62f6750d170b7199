/**
 * The DingTalk client the server uses: configuration checked at start-up, then the transport
 * (./transport.ts: HTTP, tokens, rate limit, retries), the endpoints (./endpoints/: one method per
 * DingTalk API) and error parsing (./envelopes.ts, ./errors.ts) put together behind `DingTalkApi`.
 */
import { fetchAppToken, fetchLegacyToken, authEndpoints } from './endpoints/auth'
import { docListEndpoints } from './endpoints/doc-lists'
import { documentEndpoints } from './endpoints/documents'
import { wikiEndpoints } from './endpoints/wiki'
import { createTokenBucket, type Clock } from './rate-limit'
import { createTransport, type DingTalkLogger, type OapiTokenChoice, type TransportSettings } from './transport'
import type { DingTalkApi } from './types'

export { DingTalkError, mapDingTalkError } from './errors'
export { redactUrl } from './http'
export type { Clock } from './rate-limit'
export type { DingTalkLogger, OapiTokenChoice } from './transport'

export interface DingTalkClientConfig {
  /** New API host, e.g. `https://api.dingtalk.com` (or `.io`, or the emulator's URL). */
  apiBase: string
  /** Old API host, e.g. `https://oapi.dingtalk.com`. */
  oapiBase: string
  appKey: string
  appSecret: string
  logger?: DingTalkLogger
  clock?: Clock
  sleep?: (ms: number) => Promise<void>
  /** Attempts per call, including the first; default 3. */
  maxAttempts?: number
  /** Per-API sustained rate; default 18 (DingTalk allows 20 per app per API, docs/dingtalk.md#throttling). */
  requestsPerSecond?: number
  /** Per-API burst; default 2, so no 1-second window exceeds 20 requests. */
  burst?: number
  /** Delay before the first retry; default 1000 ms (then 2 s, 4 s). */
  retryBaseDelayMs?: number
  /** Cap for one retry delay; default 8000 ms. */
  retryMaxDelayMs?: number
  /** Timeout of one JSON call attempt; default 10 s. */
  timeoutMs?: number
  /** Timeout of one whole upload PUT; default 30 min (100 MiB at ~0.5 Mbit/s). */
  uploadTimeoutMs?: number
  /** Randomness for backoff jitter; injectable for tests. */
  random?: () => number
  /**
   * The token oapi (silent login) gets: `auto` (default) tries the v1.0 token and falls back to the
   * legacy `/gettoken` one for good when oapi refuses it (docs/dingtalk.md#legacy-gettoken).
   */
  oapiToken?: OapiTokenChoice
  /**
   * Sees each successful answer as DingTalk sent it, before lenient parsing, keyed by
   * `METHOD /path/{template}`; never the token endpoints' answers. `npm run smoke:live` uses it to
   * tell which reading of DingTalk's documentation a real organisation matches.
   */
  onAnswer?: (api: string, body: unknown) => void
  /** The per-API budget; default one token bucket per API in this process (replicas share one in Redis). */
  limiter?: TransportSettings['limiter']
  /** Builds the token caches; default in this process (replicas share the tokens in Redis). */
  tokenCache?: TransportSettings['tokenCache']
}

const noopLogger: DingTalkLogger = { debug() {}, warn() {} }
const systemClock: Clock = { now: () => Date.now() }
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Creates the DingTalk client. No request is made until the first call; the app token is fetched
 * lazily and shared by all calls. Throws TypeError/RangeError for a bad configuration.
 */
export function createDingTalkClient(cfg: DingTalkClientConfig): DingTalkApi {
  const apiBase = baseUrl('apiBase', cfg.apiBase)
  const oapiBase = baseUrl('oapiBase', cfg.oapiBase)
  if (!cfg.appKey || !cfg.appSecret) throw new TypeError('DingTalk client: appKey and appSecret are required')
  const clock = cfg.clock ?? systemClock
  const requestsPerSecond = cfg.requestsPerSecond ?? 18
  const burst = cfg.burst ?? 2
  // Validated here so a bad setting fails at start-up rather than on the first call.
  createTokenBucket({ ratePerSecond: requestsPerSecond, burst, clock })
  const app = { appKey: cfg.appKey, appSecret: cfg.appSecret }
  const transport = createTransport({
    apiBase,
    oapiBase,
    log: cfg.logger ?? noopLogger,
    clock,
    sleep: cfg.sleep ?? realSleep,
    maxAttempts: Math.max(1, cfg.maxAttempts ?? 3),
    requestsPerSecond,
    burst,
    backoff: { baseDelayMs: cfg.retryBaseDelayMs ?? 1000, maxDelayMs: cfg.retryMaxDelayMs ?? 8000, random: cfg.random ?? Math.random },
    timeoutMs: cfg.timeoutMs ?? 10_000,
    uploadTimeoutMs: cfg.uploadTimeoutMs ?? 30 * 60_000,
    oapiToken: cfg.oapiToken ?? 'auto',
    fetchAppToken: (call) => fetchAppToken(call, app),
    fetchLegacyToken: (call) => fetchLegacyToken(call, app),
    onAnswer: cfg.onAnswer,
    limiter: cfg.limiter,
    tokenCache: cfg.tokenCache,
  })
  return {
    ...authEndpoints(transport),
    ...documentEndpoints(transport),
    ...wikiEndpoints(transport),
    ...docListEndpoints(transport),
  }
}

/** Checks a configured base URL at start-up (a typo fails fast, not on the first login). */
function baseUrl(name: string, value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new TypeError(`DingTalk client: ${name} is not a URL: ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`DingTalk client: ${name} must be http(s)`)
  if (url.search || url.hash) throw new TypeError(`DingTalk client: ${name} must not have a query or fragment`)
  return value.replace(/\/+$/, '')
}
