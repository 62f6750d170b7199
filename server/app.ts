/**
 * buildApp(deps) → the Fastify app: plugins, the session guard, the one error handler and every
 * route. It never listens (server.ts does), so tests drive it with `inject`.
 */
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify'
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { DestinationStream } from 'pino'
import { registerSession, type Clock } from './auth/session'
import type { AppConfig } from './config'
import type { DingTalkApi } from './dingtalk/types'
import { AppError, clientErrorHandler, errorHandler, notFoundHandler } from './errors'
import type { RouteDeps } from './routes/deps'
import { documentRoutes } from './routes/documents'
import { healthRoutes } from './routes/health'
import { insertionRoutes } from './routes/insertions'
import { resourceRoutes } from './routes/resources'
import { sandboxRoutes } from './routes/sandbox'
import { sessionRoutes } from './routes/session'
import type { InsertionJournal } from './services/insertion/insertion-journal'
import type { SandboxControl } from './services/sandbox/sandbox-control'
import { uploadRoutes, type UploadRouteOptions } from './routes/uploads'
import type { Locker } from '@tus/server'
import type { UploadCompletionState } from './services/upload/completion-state'
import { createMemoryDuplicateIndex, type DuplicateIndex } from './services/upload/duplicate-index'
import { BODY_IDLE_TIMEOUT_MS, HEADERS_TIMEOUT_MS, watchBodyIdle } from './limits/body-idle'
import { rateLimitStoreClass } from './limits/rate-limit-store'
import { observeRequests } from './metrics/http'
import { createLocalStore } from './store/local'
import type { SharedStore } from './store/types'
import { evidenceRoutes } from './routes/evidence'
import { jsapiRoutes } from './routes/jsapi'
import { createAccessCache, type EvidenceDeps } from './services/evidence/evidence-service'
import { createJsapiSigner } from './services/jsapi/jsapi-signing'
import { openFileEvidenceRegistry } from './store/evidence-file'
import type { EvidenceRegistry } from './store/evidence-registry'

export type { RouteDeps } from './routes/deps'

export interface BuildAppDeps {
  config: AppConfig
  dingtalk: DingTalkApi
  /** Sandbox sign-in helpers; the sandbox routes exist only in sandbox mode with this set. */
  sandbox?: SandboxControl
  /** `false` for silence; otherwise pino level and an optional destination (tests capture logs this way). */
  logger?: false | { level?: string; stream?: DestinationStream }
  /** Trust `X-Forwarded-*` from this many proxies or these addresses (tests may say `true`); see Fastify `trustProxy`. */
  trustProxy?: boolean | number | string[]
  /** Time source for session lifetimes (tests use a manual clock). */
  clock?: Clock
  /** Folder with the built H5 (`index.html` + hashed `assets/`); default `dist/` when it was built. */
  staticRoot?: string | null
  /** Records insertion attempts and results across restarts (server.ts: a file journal in DATA_DIR); default in memory. */
  insertionJournal?: InsertionJournal
  /** What went into each document, by content, for `duplicateOf`; default in memory (this process). */
  duplicateIndex?: DuplicateIndex
  /**
   * Resumable uploads: the per-upload lock and the finished uploads' outcomes (default in this
   * process), and how the staging directory's free space is read (default `fs.statfs`).
   */
  resumable?: { locker?: Locker; completions?: UploadCompletionState; statfs?: UploadRouteOptions['statfs'] }
  /** Shared state: limits, revocations, locks (server.ts: Redis with REDIS_URL); default this process's memory. */
  store?: SharedStore
  /** Readiness: `draining` turns `/api/health/ready` to 503 while the process shuts down. */
  lifecycle?: Lifecycle
  /**
   * The evidence registry (server.ts: PostgreSQL or DATA_DIR/evidence.jsonl); default in memory when
   * evidence is available; null: unavailable. The app does not close it.
   */
  evidenceRegistry?: EvidenceRegistry | null
  /** Headers must arrive within `headersMs` (default 30 s); a body idle for `bodyIdleMs` (default 60 s) gets 408. */
  timeouts?: { headersMs?: number; bodyIdleMs?: number }
}

/** Process state the health routes report and a graceful stop waits on. */
export interface Lifecycle {
  draining: boolean
  /** Requests being answered right now (a graceful stop waits for them). */
  inFlight?: number
}

const DEFAULT_STATIC_ROOT = fileURLToPath(new URL('../dist', import.meta.url))
/** JSON bodies of our API are small; uploads stream through their own parser with their own limit. */
const JSON_BODY_LIMIT = 1024 * 1024
const ONE_YEAR_S = 365 * 24 * 60 * 60
/** Helmet's own default value, sent only where it applies (see the onRequest hook). */
const HSTS = `max-age=${ONE_YEAR_S}; includeSubDomains`

/** Query parameters whose values never reach the logs (upload URL signatures, codes, tokens). */
const SECRET_QUERY_PARAMS = /([?&](?:signature|access_token|code|authcode|token)=)[^&#]*/gi

/** Builds the app. Registers everything; call `listen` (server.ts) or `inject` (tests) on the result. */
export async function buildApp(deps: BuildAppDeps): Promise<FastifyInstance> {
  const { config, dingtalk } = deps
  const clock = deps.clock ?? { now: () => Date.now() }
  const store = deps.store ?? createLocalStore({ now: () => clock.now() })
  const lifecycle = deps.lifecycle ?? { draining: false }
  const headersMs = deps.timeouts?.headersMs ?? HEADERS_TIMEOUT_MS
  const bodyIdleMs = deps.timeouts?.bodyIdleMs ?? BODY_IDLE_TIMEOUT_MS

  const app = Fastify({
    logger: deps.logger === false ? false : loggerOptions(deps.logger ?? {}),
    genReqId: () => randomUUID(),
    // A client-chosen request id could forge log lines; always make our own.
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    trustProxy: trustProxyOption(deps.trustProxy ?? false),
    bodyLimit: JSON_BODY_LIMIT,
    // Headers must arrive within 30 s (408 through clientErrorHandler); no limit on a whole request,
    // since a slow upload that keeps moving is fine (bodies have an idle timer instead, watchBodyIdle).
    http: { headersTimeout: headersMs, requestTimeout: 0, connectionsCheckingInterval: Math.min(1000, headersMs) },
    requestTimeout: 0,
    // While draining, requests still arriving on open connections are served (with Connection: close)
    // rather than answered with Fastify's own 503 body, which is not our error shape.
    return503OnClosing: false,
    // Requests refused before routing (bad URL encoding, over-long ids) or before parsing (bad
    // bytes, huge headers) answer in our error shape too (docs/api.md: errors are always that shape).
    frameworkErrors: (error, request, reply) => {
      errorHandler(error, request, reply)
    },
    clientErrorHandler,
  })

  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(notFoundHandler)
  // JSON is the only body our JSON routes take: anything else is 415 unsupported_type.
  app.removeContentTypeParser('text/plain')

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
    lifecycle.inFlight = (lifecycle.inFlight ?? 0) + 1
    reply.raw.once('close', () => {
      lifecycle.inFlight = (lifecycle.inFlight ?? 1) - 1
    })
    // Our answers are per person and per moment: no browser or proxy may keep them.
    if (request.url.startsWith('/api/') || request.url === '/api') reply.header('cache-control', 'no-store')
    // HSTS over https only (directly, or per a trusted proxy's X-Forwarded-Proto): on plain http it
    // means nothing, and a sandbox on a LAN address must stay reachable over http.
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS)
    watchBodyIdle(request, reply, bodyIdleMs)
  })
  observeRequests(app)

  await app.register(helmet, {
    contentSecurityPolicy: { directives: cspDirectives(config) },
    xFrameOptions: false,
    strictTransportSecurity: false,
  })
  // Limits are per route (`config.rateLimit`); nothing is limited by default. Counted in the shared
  // store (every replica sees the same counts); checked after the session hook (onRequest), so
  // routes can count per person.
  await app.register(rateLimit, {
    global: false,
    hook: 'preValidation',
    store: rateLimitStoreClass(store),
    errorResponseBuilder: (_request, context) =>
      new AppError('rate_limited', {
        status: 429,
        message: 'Too many requests; wait a moment and try again.',
        headers: {
          'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))),
        },
      }),
  })
  await registerSession(app, { config, clock, store })

  const duplicateIndex =
    deps.duplicateIndex ?? createMemoryDuplicateIndex({ windowMs: config.uploads.duplicateWindowMs, now: () => clock.now() })
  const now = () => clock.now()
  if (config.evidence.unavailableReason) app.log.warn(config.evidence.unavailableReason)
  const registry =
    deps.evidenceRegistry !== undefined
      ? deps.evidenceRegistry
      : config.evidence.available
        ? await openFileEvidenceRegistry({ path: null, retentionMs: config.evidence.retentionMs, now })
        : null
  const evidence: EvidenceDeps = { registry, dingtalk, now, logger: app.log, accessCache: createAccessCache() }
  const routeDeps: RouteDeps = { config, dingtalk, store, lifecycle, duplicateIndex, evidence }
  await app.register(healthRoutes, routeDeps)
  if (config.mode === 'sandbox' && deps.sandbox) await app.register(sandboxRoutes, { sandbox: deps.sandbox })
  await app.register(sessionRoutes, { ...routeDeps, clock })
  await app.register(documentRoutes, routeDeps)
  await app.register(resourceRoutes, { ...routeDeps, now })
  await app.register(insertionRoutes, { ...routeDeps, now, insertionJournal: deps.insertionJournal })
  await app.register(uploadRoutes, { ...routeDeps, now, ...deps.resumable })
  await app.register(evidenceRoutes, { ...routeDeps, evidence })
  const signer = createJsapiSigner({ dingtalk, agentId: config.agentId, corpId: config.corpId, now })
  await app.register(jsapiRoutes, { ...routeDeps, signer })

  const staticRoot = deps.staticRoot === undefined ? builtH5(DEFAULT_STATIC_ROOT) : deps.staticRoot
  if (staticRoot) await serveH5(app, staticRoot)

  return app
}

/** A hop count means "trust that many proxies in front of us" (Fastify accepts it only as a function in its types). */
function trustProxyOption(trust: boolean | number | string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust
}

function loggerOptions(opts: { level?: string; stream?: DestinationStream }) {
  return {
    level: opts.level ?? 'info',
    ...(opts.stream ? { stream: opts.stream } : {}),
    // Belt and braces: the serializers below never include headers or bodies, but a stray
    // `log.info({ headers })` must not leak a session either.
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
        'headers.cookie',
        'headers.authorization',
        'headers["x-csrf-token"]',
        'authCode',
        'csrfToken',
        '*.authCode',
        '*.csrfToken',
        'body',
        '*.body',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: redactUrl(request.url),
        remoteAddress: request.ip,
      }),
      res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
    },
  }
}

/** The URL as logged: secret-bearing query values replaced. */
function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY_PARAMS, '$1[redacted]')
}

/**
 * CSP the built H5 satisfies: scripts only from our origin; images also from `blob:` and `data:`
 * (local previews of picked photos, Vant's inline icons). `style-src 'unsafe-inline'` is needed
 * because Vant sets element `style` attributes at run time (popups, transitions, safe areas).
 * `'unsafe-eval'` is needed by heic2any only: its libheif (emscripten embind) builds functions with
 * `new Function` inside a `blob:` worker, which inherits this policy; without it HEIC photos could
 * never be converted outside Safari. Inline *scripts* stay forbidden, which is where the XSS risk lies.
 */
function cspDirectives(config: AppConfig): Record<string, string[] | null> {
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", "'unsafe-eval'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'blob:', 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    mediaSrc: ["'self'", 'blob:'],
    workerSrc: ["'self'", 'blob:'],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    // DingTalk's desktop and web clients may host the page in a frame.
    frameAncestors: ["'self'", 'https://*.dingtalk.com', 'https://*.dingtalk.io'],
    // Sandbox runs on plain http (127.0.0.1 or a LAN address for a phone); upgrading would break it.
    upgradeInsecureRequests: config.mode === 'live' ? [] : null,
  }
}

function builtH5(root: string): string | null {
  return existsSync(join(root, 'index.html')) ? root : null
}

/** Serves the built H5: hashed assets cached for a year, index.html always revalidated. */
async function serveH5(app: FastifyInstance, root: string): Promise<void> {
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: ['index.html'],
    wildcard: true,
    // Cache-Control comes only from setHeaders below.
    cacheControl: false,
    setHeaders: (reply, filePath) => {
      const hashed = filePath.startsWith(join(root, 'assets'))
      reply.header('cache-control', hashed ? `public, max-age=${ONE_YEAR_S}, immutable` : 'no-cache')
    },
  })
}
