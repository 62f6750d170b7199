/**
 * The one module for outbound DingTalk calls (DESIGN.md §3). Every call goes through `call()`:
 * per-API rate limit → app token (cached, single-flight) → one HTTP exchange with a timeout →
 * envelope and schema parsing → mapped DingTalkError → bounded retry with backoff.
 * Endpoint shapes: dingtalk-open-api.md §2–§6.
 */
import type { Readable } from 'node:stream'
import type { z } from 'zod'
import {
  ABORTED,
  BODY_LENGTH_MISMATCH,
  DingTalkError,
  INVALID_RESPONSE,
  IP_BANNED,
  NON_JSON_ERROR,
  UPLOAD_BODY_ERROR,
  UPLOAD_URL_EXPIRED,
  isTokenRejected,
  wasNotDelivered,
} from './errors'
import { NetworkError, redactUrl, send, type HttpResponse } from './http'
import { createRateLimiter, createTokenBucket, type Clock } from './rate-limit'
import { backoffDelayMs, parseRetryAfterMs } from './retry'
import {
  AccessTokenResponseSchema,
  ApiErrorBodySchema,
  AppendElementResponseSchema,
  BlocksQueryResponseSchema,
  GetUserInfoResponseSchema,
  InsertBlockResponseSchema,
  ListNodesResponseSchema,
  ListWorkspacesResponseSchema,
  MineWorkspaceResponseSchema,
  NodeResponseSchema,
  OapiEnvelopeSchema,
  RecentEditDocsResponseSchema,
  ResourceUploadInfoResponseSchema,
  SearchDocsResponseSchema,
} from './schemas'
import { createTokenCache, type TokenCache, type TokenCacheOptions } from './token-cache'
import type { DingTalkApi, Page, RecentDoc } from './types'

export { DingTalkError, mapDingTalkError } from './errors'
export { redactUrl } from './http'
export type { Clock } from './rate-limit'

/** The subset of a pino logger the client uses. */
export interface DingTalkLogger {
  debug(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
}

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
  /** Attempts per call, including the first; default 3 (DESIGN.md §3). */
  maxAttempts?: number
  /** Per-API sustained rate; default 18 (DingTalk allows 20 per app per API, §1.3). */
  requestsPerSecond?: number
  /** Per-API burst; default 2, so no 1-second window exceeds 20 requests. */
  burst?: number
  /** Delay before the first retry; default 1000 ms (§1.3: 1 s, 2 s, 4 s). */
  retryBaseDelayMs?: number
  /** Cap for one retry delay; default 8000 ms. */
  retryMaxDelayMs?: number
  /** Timeout of one JSON call attempt; default 10 s. */
  timeoutMs?: number
  /** Timeout of one whole upload PUT; default 30 min (100 MiB at ~0.5 Mbit/s). */
  uploadTimeoutMs?: number
  /** Randomness for backoff jitter; injectable for tests. */
  random?: () => number
  /** The per-API budget; default one token bucket per API in this process (replicas share one in Redis). */
  limiter?: { acquire(key: string): Promise<void> }
  /** Builds the app token cache; default in this process (replicas share one token in Redis). */
  tokenCache?: (opts: TokenCacheOptions) => TokenCache
}

type QueryValue = string | number | boolean | undefined

interface CallSpec<T> {
  method: 'GET' | 'POST'
  host: 'api' | 'oapi'
  /** Path with `{param}` placeholders; also the rate-limit key and what logs show. */
  template: string
  params?: Record<string, string>
  query?: Record<string, QueryValue>
  body?: unknown
  /** Parses the success body; a mismatch is `invalidResponse`. */
  schema: z.ZodType<T>
  /** `header` for api.dingtalk.com, `query` for oapi, `none` for the token endpoint itself. */
  auth: 'header' | 'query' | 'none'
  /**
   * False for calls that must not happen twice (inserts, a single-use auth code): those are only
   * retried when DingTalk certainly did not act on them (errors.ts `wasNotDelivered`).
   */
  idempotent: boolean
}

const MAX_JSON_BODY_BYTES = 4 * 1024 * 1024
const MAX_ERROR_BODY_BYTES = 64 * 1024
const WIKI_WORKSPACES_MAX = 30 // §6.2
const WIKI_NODES_MAX = 50 // §6.2
const DOC_LIST_DEFAULT = 20 // §6.5: maxResults is required, its maximum undocumented

const noopLogger: DingTalkLogger = { debug() {}, warn() {} }
const systemClock: Clock = { now: () => Date.now() }
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Creates the DingTalk client the server uses (TEAM.md "DingTalk client"). No request is made
 * until the first call; the app token is fetched lazily and shared by all calls.
 */
export function createDingTalkClient(cfg: DingTalkClientConfig): DingTalkApi {
  const apiBase = baseUrl('apiBase', cfg.apiBase)
  const oapiBase = baseUrl('oapiBase', cfg.oapiBase)
  if (!cfg.appKey || !cfg.appSecret) throw new TypeError('DingTalk client: appKey and appSecret are required')
  const log = cfg.logger ?? noopLogger
  const clock = cfg.clock ?? systemClock
  const sleep = cfg.sleep ?? realSleep
  const maxAttempts = Math.max(1, cfg.maxAttempts ?? 3)
  const timeoutMs = cfg.timeoutMs ?? 10_000
  const uploadTimeoutMs = cfg.uploadTimeoutMs ?? 30 * 60_000
  const backoff = {
    baseDelayMs: cfg.retryBaseDelayMs ?? 1000,
    maxDelayMs: cfg.retryMaxDelayMs ?? 8000,
    random: cfg.random ?? Math.random,
  }
  // Validated here so a bad setting fails at start-up rather than on the first call.
  createTokenBucket({ ratePerSecond: cfg.requestsPerSecond ?? 18, burst: cfg.burst ?? 2, clock })
  const limiter =
    cfg.limiter ??
    createRateLimiter({
      requestsPerSecond: cfg.requestsPerSecond ?? 18,
      burst: cfg.burst ?? 2,
      clock,
      sleep,
    })
  const tokens = (cfg.tokenCache ?? createTokenCache)({
    clock,
    // https://open.dingtalk.com/document/development/obtain-the-access-token-of-an-internal-app (§2.1)
    fetchToken: () =>
      call({
        method: 'POST',
        host: 'api',
        template: '/v1.0/oauth2/accessToken',
        body: { appKey: cfg.appKey, appSecret: cfg.appSecret },
        schema: AccessTokenResponseSchema,
        auth: 'none',
        idempotent: true,
      }),
  })

  async function call<T>(spec: CallSpec<T>): Promise<T> {
    const api = `${spec.method} ${spec.template}`
    let refreshedToken = false
    for (let attempt = 1; ; attempt++) {
      await limiter.acquire(api)
      const token = spec.auth === 'none' ? undefined : await tokens.get()
      try {
        return await attemptOnce(spec, api, token, attempt)
      } catch (err) {
        if (!(err instanceof DingTalkError)) throw err
        if (token !== undefined && !refreshedToken && isTokenRejected(err.status, err.dingtalkCode)) {
          // §2.1: drop the token, fetch a new one, and repeat the call once; that repeat is not
          // a backoff attempt (the call itself did not fail).
          refreshedToken = true
          tokens.invalidate(token)
          attempt--
          continue
        }
        const mayRepeat = spec.idempotent || wasNotDelivered(err.status, err.dingtalkCode)
        if (!err.retryable || !mayRepeat || attempt >= maxAttempts) throw err
        // DingTalk's own Retry-After (when sent) wins over our schedule, within the same cap.
        const hintMs = err.retryAfterFromDingTalk ? (err.retryAfterSeconds ?? 0) * 1000 : 0
        const delay = Math.max(backoffDelayMs(attempt, backoff), Math.min(hintMs, backoff.maxDelayMs))
        log.warn({ api, attempt, dingtalkCode: err.dingtalkCode, status: err.status, delayMs: delay }, 'dingtalk call retried')
        await sleep(delay)
      }
    }
  }

  async function attemptOnce<T>(spec: CallSpec<T>, api: string, token: string | undefined, attempt: number): Promise<T> {
    const url = buildUrl(spec, token)
    const headers: Record<string, string> = { accept: 'application/json' }
    if (spec.body !== undefined) headers['content-type'] = 'application/json; charset=utf-8'
    if (spec.auth === 'header' && token !== undefined) headers['x-acs-dingtalk-access-token'] = token

    const started = clock.now()
    let res: HttpResponse
    try {
      res = await send({
        method: spec.method,
        url,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        timeoutMs,
        maxBodyBytes: MAX_JSON_BODY_BYTES,
      })
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err
      log.debug(
        { method: spec.method, path: spec.template, status: 0, attempt, durationMs: clock.now() - started, code: err.code },
        'dingtalk call',
      )
      throw new DingTalkError({
        status: 0,
        dingtalkCode: err.code,
        api,
        outcomeUnknown: !spec.idempotent && err.maybeDelivered,
      })
    }
    const durationMs = clock.now() - started
    const requestId = headerValue(res.headers['x-acs-request-id'])
    const logLine = { method: spec.method, path: spec.template, status: res.status, attempt, durationMs }

    if (res.status < 200 || res.status >= 300) {
      const parsed = parseErrorBody(res)
      const retryAfterMs = parseRetryAfterMs(res.headers['retry-after'])
      log.debug({ ...logLine, code: parsed.code }, 'dingtalk call')
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
      log.debug({ ...logLine, code: IP_BANNED }, 'dingtalk call')
      throw new DingTalkError({ status: res.status, dingtalkCode: IP_BANNED, requestId, api })
    }
    if (spec.host === 'oapi') {
      const envelope = OapiEnvelopeSchema.safeParse(json)
      if (envelope.success && envelope.data.errcode !== 0) {
        const code = String(envelope.data.errcode)
        log.debug({ ...logLine, code }, 'dingtalk call')
        throw new DingTalkError({
          status: res.status,
          dingtalkCode: code,
          dingtalkMessage: envelope.data.errmsg,
          requestId: envelope.data.request_id ?? requestId,
          api,
          // -1 "system busy" may have consumed a single-use code; throttling did not.
          outcomeUnknown: !spec.idempotent && code === '-1',
        })
      }
    }
    const parsed = spec.schema.safeParse(json)
    if (!parsed.success) {
      log.debug({ ...logLine, code: INVALID_RESPONSE }, 'dingtalk call')
      throw new DingTalkError({ status: res.status, dingtalkCode: INVALID_RESPONSE, requestId, api })
    }
    log.debug(logLine, 'dingtalk call')
    return parsed.data
  }

  function buildUrl(spec: CallSpec<unknown>, token: string | undefined): string {
    const path = spec.template.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = spec.params?.[name]
      if (value === undefined) throw new Error(`missing path parameter ${name} for ${spec.template}`)
      return encodeURIComponent(value)
    })
    const url = new URL((spec.host === 'api' ? apiBase : oapiBase) + path)
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v))
    if (spec.auth === 'query' && token !== undefined) url.searchParams.set('access_token', token)
    return url.toString()
  }

  function page<T>(items: T[], nextToken: string | null | undefined): Page<T> {
    return { items, nextToken: nextToken ? nextToken : null }
  }

  return {
    /**
     * Exchanges a single-use H5 authCode for the person. A used or expired code is
     * `auth_code_invalid` (401) and is never sent again.
     * https://open.dingtalk.com/document/development/obtain-the-userid-of-a-user-by-using-the-log-free (§3.2)
     */
    async getUserByAuthCode(authCode) {
      const res = await call({
        method: 'POST',
        host: 'oapi',
        template: '/topapi/v2/user/getuserinfo',
        body: { code: authCode },
        schema: GetUserInfoResponseSchema,
        auth: 'query',
        idempotent: false,
      })
      if (!res.result) throw invalidResponse('POST /topapi/v2/user/getuserinfo')
      return { userId: res.result.userid, unionId: res.result.unionid, name: res.result.name }
    },

    /**
     * GetResourceUploadInfo: an upload slot for one resource in a document. Retried freely: a
     * repeat only creates an unused slot.
     * https://open.dingtalk.com/document/development/api-getresourceuploadinfo (§4.1)
     */
    async getResourceUploadInfo(docId, operatorId, req) {
      const res = await call({
        method: 'POST',
        host: 'api',
        template: '/v1.0/doc/docs/resources/{docId}/uploadInfos/query',
        params: { docId },
        query: { operatorId },
        body: { size: req.size, mediaType: req.mediaType, resourceName: req.resourceName },
        schema: ResourceUploadInfoResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      return res.result
    },

    /**
     * Streams exactly `size` bytes to the upload URL: `PUT`, `Content-Type` = mediaType,
     * `Content-Length` = size, no chunked encoding, nothing buffered. Not retried here (the
     * stream is consumed); an expired URL fails with `uploadUrlExpired` so the caller can ask
     * for a new slot. Takes ownership of `body`: read to the end on success, destroyed on failure.
     * https://open.dingtalk.com/document/development/upload-attachment (§4.2)
     */
    async putResource(uploadUrl, body, opts) {
      const api = `PUT ${redactUrl(uploadUrl)}`
      if (!isHttpUrl(uploadUrl)) {
        // DingTalk handed out something we cannot PUT to; nothing was sent.
        body.destroy()
        throw new DingTalkError({ status: 200, dingtalkCode: INVALID_RESPONSE, api: 'PUT <uploadUrl>' })
      }
      const started = clock.now()
      let res: HttpResponse
      try {
        res = await send({
          method: 'PUT',
          url: uploadUrl,
          headers: { 'content-type': opts.mediaType, 'content-length': String(opts.size) },
          body,
          timeoutMs: uploadTimeoutMs,
          signal: opts.signal,
          maxBodyBytes: MAX_ERROR_BODY_BYTES,
        })
      } catch (err) {
        if (!(err instanceof NetworkError)) throw err
        const code = uploadFailureCode(err, body, opts.signal)
        log.debug(
          { method: 'PUT', url: redactUrl(uploadUrl), status: 0, size: opts.size, durationMs: clock.now() - started, code },
          'dingtalk upload',
        )
        throw new DingTalkError({ status: 0, dingtalkCode: code, api })
      } finally {
        // A failed PUT leaves the source stream half-read; release it rather than leak it.
        if (!body.readableEnded) body.destroy()
      }
      const logLine = { method: 'PUT', url: redactUrl(uploadUrl), status: res.status, size: opts.size, durationMs: clock.now() - started }
      if (res.status >= 200 && res.status < 300) {
        log.debug(logLine, 'dingtalk upload')
        return
      }
      const oss = parseOssError(res.text)
      log.debug({ ...logLine, code: oss.code }, 'dingtalk upload')
      throw new DingTalkError({
        status: res.status,
        dingtalkCode: oss.code,
        dingtalkMessage: oss.message,
        requestId: oss.requestId ?? headerValue(res.headers['x-oss-request-id']),
        api,
      })
    },

    /**
     * DocInsertBlocks: inserts one block; returns it with `id` and `index`. Not repeated after a
     * failure that may have inserted it (see DingTalkError.outcomeUnknown).
     * https://open.dingtalk.com/document/development/api-docinsertblocks (§5.3)
     */
    async insertBlock(docKey, operatorId, req) {
      const template = '/v1.0/doc/suites/documents/{docKey}/blocks'
      const res = await call({
        method: 'POST',
        host: 'api',
        template,
        params: { docKey },
        query: { operatorId },
        body: req,
        schema: InsertBlockResponseSchema,
        auth: 'header',
        idempotent: false,
      })
      if (!res.result) throw invalidResponse(`POST ${template}`)
      return res.result.data
    },

    /**
     * DocAppendParagraph: appends one inline element (image, link, sticker) to a paragraph.
     * https://open.dingtalk.com/document/development/api-docappendparagraph (§5.4)
     */
    async appendParagraphElement(docKey, blockId, operatorId, element) {
      await call({
        method: 'POST',
        host: 'api',
        template: '/v1.0/doc/suites/documents/{docKey}/blocks/{blockId}/paragraph/appendElement',
        params: { docKey, blockId },
        query: { operatorId },
        body: element,
        schema: AppendElementResponseSchema,
        auth: 'header',
        idempotent: false,
      })
    },

    /**
     * DocBlocksQuery: the document's root-level blocks.
     * https://open.dingtalk.com/document/development/api-docblocksquery (§5.2)
     */
    async queryBlocks(docKey, operatorId) {
      const res = await call({
        method: 'GET',
        host: 'api',
        template: '/v1.0/doc/suites/documents/{docKey}/blocks',
        params: { docKey },
        query: { operatorId },
        schema: BlocksQueryResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      return res.result.data
    },

    /**
     * wiki v2 ListWorkspaces, most recently viewed first, with the operator's role.
     * https://open.dingtalk.com/document/development/get-knowledge-base-list (§6.2)
     */
    async listWorkspaces(operatorId, opts) {
      const res = await call({
        method: 'GET',
        host: 'api',
        template: '/v2.0/wiki/workspaces',
        query: {
          operatorId,
          nextToken: opts.nextToken,
          maxResults: clampPageSize(opts.maxResults, WIKI_WORKSPACES_MAX),
          orderBy: 'VIEW_TIME_DESC',
          withPermissionRole: true,
        },
        schema: ListWorkspacesResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      return page(res.workspaces, res.nextToken)
    },

    /**
     * wiki v2 GetMineWorkspace: the operator's personal "my documents" space.
     * https://open.dingtalk.com/document/development/get-my-documents (§6.2)
     */
    async getMineWorkspace(operatorId) {
      const res = await call({
        method: 'GET',
        host: 'api',
        template: '/v2.0/wiki/mineWorkspaces',
        query: { operatorId },
        schema: MineWorkspaceResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      return res.workspace
    },

    /**
     * wiki v2 ListNodes: children of a folder or workspace root, with the operator's role.
     * https://open.dingtalk.com/document/development/get-node-list (§6.2)
     */
    async listNodes(parentNodeId, operatorId, opts) {
      const res = await call({
        method: 'GET',
        host: 'api',
        template: '/v2.0/wiki/nodes',
        query: {
          parentNodeId,
          operatorId,
          nextToken: opts.nextToken,
          maxResults: clampPageSize(opts.maxResults, WIKI_NODES_MAX),
          withPermissionRole: true,
        },
        schema: ListNodesResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      return page(res.nodes, res.nextToken)
    },

    /**
     * wiki v2 GetNode, with the operator's role.
     * https://open.dingtalk.com/document/development/get-knowledge-base-acquisition-node (§6.2)
     */
    async getNode(nodeId, operatorId) {
      const res = await call({
        method: 'GET',
        host: 'api',
        template: '/v2.0/wiki/nodes/{nodeId}',
        params: { nodeId },
        query: { operatorId, withPermissionRole: true },
        schema: NodeResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      return res.node
    },

    /**
     * wiki v2 GetNodeByUrl: resolves a pasted alidocs link, with the operator's role.
     * https://open.dingtalk.com/document/development/get-node-by-link (§6.2, §6.3)
     */
    async getNodeByUrl(url, operatorId) {
      const res = await call({
        method: 'POST',
        host: 'api',
        template: '/v2.0/wiki/nodes/queryByUrl',
        query: { operatorId },
        body: { url, option: { withPermissionRole: true } },
        schema: NodeResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      return res.node
    },

    /**
     * doc_1_0 GetRecentEditDocs. DingTalk has no current page for it (dingtalk-open-api.md §6.5);
     * the shape is `@alicloud/dingtalk` doc_1_0 `getRecentEditDocsWithOptions`. Nearest page, same
     * doc_1_0 workspace family (marked historical):
     * https://open.dingtalk.com/document/development/querying-the-list-of-user-team-spaces
     */
    async recentEditDocs(operatorId, opts) {
      const res = await call({
        method: 'GET',
        host: 'api',
        template: '/v1.0/doc/workspaces/docs/recentEditDocs',
        query: { operatorId, maxResults: clampPageSize(opts.maxResults, DOC_LIST_DEFAULT), nextToken: opts.nextToken },
        schema: RecentEditDocsResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      const items: RecentDoc[] = res.recentList.map((r) => ({
        nodeId: r.nodeBO.nodeId,
        name: r.nodeBO.nodeName,
        url: r.nodeBO.url,
        workspaceId: r.workspaceBO.workspaceId,
        workspaceName: r.workspaceBO.workspaceName,
      }))
      return page(items, res.nextToken)
    },

    /**
     * doc_1_0 SearchWorkspaceDocs. DingTalk has no current page for it (dingtalk-open-api.md §6.5);
     * the shape is `@alicloud/dingtalk` doc_1_0 `searchWorkspaceDocsWithOptions`. Nearest page, same
     * doc_1_0 workspace family (marked historical):
     * https://open.dingtalk.com/document/development/querying-the-list-of-user-team-spaces
     */
    async searchDocs(operatorId, keyword, opts) {
      const res = await call({
        method: 'GET',
        host: 'api',
        template: '/v1.0/doc/docs',
        query: { operatorId, keyword, maxResults: clampPageSize(opts.maxResults, DOC_LIST_DEFAULT), nextToken: opts.nextToken },
        schema: SearchDocsResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      const items: RecentDoc[] = res.docs.map((d) => ({
        nodeId: d.nodeBO.nodeId,
        name: d.nodeBO.name,
        url: d.nodeBO.url,
        workspaceId: d.workspaceBO.workspaceId,
        workspaceName: d.workspaceBO.name,
      }))
      return page(items, res.hasMore === false ? null : res.nextToken)
    },
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

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value)
    return protocol === 'https:' || protocol === 'http:'
  } catch {
    return false
  }
}

function invalidResponse(api: string): DingTalkError {
  return new DingTalkError({ status: 200, dingtalkCode: INVALID_RESPONSE, api })
}

function clampPageSize(requested: number | undefined, max: number): number {
  if (requested === undefined || !Number.isFinite(requested)) return max
  return Math.min(max, Math.max(1, Math.floor(requested)))
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The anti-abuse gateway's ban body `{"status":1111,"wait":5,"punish":"deny",...}` (§1.3); its HTTP status is not documented. */
function isIpBan(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'punish' in json
}

/**
 * Reads a non-2xx body: v1/v2 `{code,message,requestid}`, gateway `{Code,Message,RequestId}`
 * (§1.1), oapi `{errcode,errmsg}` (§1.2), the anti-abuse ban body (§1.3), or anything else
 * (HTML) as `nonJsonError`.
 */
function parseErrorBody(res: HttpResponse): { code: string; message?: string; requestId?: string } {
  const json = parseJson(res.text)
  if (isIpBan(json)) return { code: IP_BANNED }
  // oapi errors normally come with HTTP 200, but gateways in front of it may use a 4xx/5xx.
  const oapi = OapiEnvelopeSchema.safeParse(json)
  if (oapi.success) return { code: String(oapi.data.errcode), message: oapi.data.errmsg, requestId: oapi.data.request_id }
  const body = ApiErrorBodySchema.safeParse(json)
  if (!body.success) return { code: NON_JSON_ERROR }
  const code = body.data.code ?? body.data.Code
  return {
    code: code ?? NON_JSON_ERROR,
    message: body.data.message ?? body.data.Message,
    requestId: body.data.requestid ?? body.data.RequestId,
  }
}

/**
 * Reads an OSS-style XML error (`<Error><Code>…</Code><Message>…</Message><RequestId>…`, §4.2).
 * An expired URL (`AccessDenied` "Request has expired", or `RequestTimeTooSkewed`) becomes
 * `uploadUrlExpired`. `StringToSign`/`SignatureProvided` are deliberately not kept.
 */
function parseOssError(xml: string): { code: string; message?: string; requestId?: string } {
  const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1]
  const code = tag('Code')
  const message = tag('Message')
  if (!code) return { code: NON_JSON_ERROR }
  const expired = code === 'RequestTimeTooSkewed' || /expired/i.test(message ?? '') || /expired/i.test(code)
  return { code: expired ? UPLOAD_URL_EXPIRED : code, message, requestId: tag('RequestId') }
}

function uploadFailureCode(err: NetworkError, body: Readable, signal: AbortSignal | undefined): string {
  if (signal?.aborted) return ABORTED
  // undici destroys the body with this error itself, so it is checked before `body.errored`.
  if (err.code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') return BODY_LENGTH_MISMATCH
  if (body.errored) return UPLOAD_BODY_ERROR
  return err.code
}
