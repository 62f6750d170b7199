/**
 * The emulator's Fastify app: DingTalk's real paths at the root of its own origin (README),
 * plus the `/__emulator/` control API. Never listens; see index.ts for that.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import { systemClock, type Clock } from './clock'
import type { EmulatorConfig, EmulatorContext } from './context'
import { registerControlGuard } from './control-guard'
import { ApiError, OapiError, pathFamily, sendApiError, sendOapiError, sendOssError } from './errors'
import { registerFaultHooks } from './fault-hooks'
import { FaultRegistry } from './faults'
import { apiRequestId } from './ids'
import { ResourceStore, UploadSigner } from './oss'
import type { OapiTokenMode, Profile } from './profiles'
import { drain, pathOf } from './request-util'
import { RequestLog, redactUrl } from './request-log'
import { registerAuthRoutes } from './routes/auth'
import { registerBlockRoutes } from './routes/blocks'
import { registerControlRoutes } from './routes/control'
import { registerDocListRoutes } from './routes/doc-lists'
import { registerResourceRoutes } from './routes/resources'
import { registerUploadRoutes } from './routes/upload'
import { registerViewRoutes } from './routes/view'
import { registerWikiRoutes } from './routes/wiki'
import { EmulatorState } from './state'

export interface BuildEmulatorOptions {
  clock?: Clock
  appKey?: string
  appSecret?: string
  corpId?: string
  /** Origin upload URLs point at; a function so it can be known only after listening. Default: the request's Host. */
  publicOrigin?: string | (() => string | undefined)
  /** Upload URL lifetime in seconds (default 900). */
  uploadUrlTtlSeconds?: number
  /** Decides probabilistic faults (default Math.random). */
  random?: () => number
  /** Fastify logger; off by default. Request URLs are logged with secrets redacted. */
  logger?: boolean
  /** How generously the block and list APIs answer: `rich` (default), `documented` or `minimal`. */
  profile?: Profile
  /** `legacy`: oapi accepts only tokens from `/gettoken`; `any` (default): any app token. */
  oapiToken?: OapiTokenMode
  /** Hosts besides loopback names and addresses whose control requests are answered (lower-case; `name` or `name:port`). */
  allowedHosts?: readonly string[]
}

export interface Emulator {
  app: FastifyInstance
  state: EmulatorState
  /** Services behind the control API, for in-process tests. */
  context: EmulatorContext
}

export const DEFAULT_APP_KEY = 'ding-emulator-app'
export const DEFAULT_APP_SECRET = 'emulator-secret'
export const DEFAULT_CORP_ID = 'ding-emulator-corp'

/** Messages for Fastify's own body errors, phrased for a DingTalk caller. */
function bodyErrorMessage(err: FastifyError): string {
  switch (err.code) {
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'Request body is empty but Content-Type is application/json'
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported Content-Type; send application/json'
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'Request body is too large'
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'Content-Length does not match the body'
    default:
      return err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
        ? `Malformed JSON body: ${err.message}`
        : err.message
  }
}

/**
 * Builds the emulator app (not listening). Every route keeps to DingTalk's envelopes: bad input
 * is a 4xx in the path's error shape, never a 500.
 */
export function buildEmulator(opts: BuildEmulatorOptions = {}): Emulator {
  const clock = opts.clock ?? systemClock
  const config: EmulatorConfig = {
    appKey: opts.appKey || DEFAULT_APP_KEY,
    appSecret: opts.appSecret || DEFAULT_APP_SECRET,
    corpId: opts.corpId || DEFAULT_CORP_ID,
    uploadUrlTtlSeconds: opts.uploadUrlTtlSeconds ?? 900,
    profile: opts.profile ?? 'rich',
    oapiToken: opts.oapiToken ?? 'any',
    allowedHosts: opts.allowedHosts ?? [],
  }
  const state = new EmulatorState(clock)
  const origin = opts.publicOrigin
  const context: EmulatorContext = {
    state,
    clock,
    config,
    faults: new FaultRegistry(opts.random),
    signer: new UploadSigner(),
    store: new ResourceStore(),
    requests: new RequestLog(),
    throttles: new WeakMap(),
    publicOrigin(request) {
      const fixed = typeof origin === 'function' ? origin() : origin
      return fixed ?? `http://${request.headers.host ?? '127.0.0.1'}`
    },
  }

  const app = Fastify({
    logger: opts.logger
      ? {
          serializers: {
            // Never log tokens, auth codes or upload signatures.
            req: (req: { method?: string; url?: string }) => ({ method: req.method, url: redactUrl(req.url ?? '') }),
          },
        }
      : false,
    // Ids are case-sensitive alphanumerics; keep paths exact.
    routerOptions: { ignoreTrailingSlash: false },
    // close() must not wait on a client stuck behind a latency or bandwidth fault.
    forceCloseConnections: true,
  })

  // getuserinfo also takes a form body (docs/dingtalk.md#silent-login: the docs' curl sends one).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 65_536 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))))
  })

  // Calls are logged with their arrival time: DingTalk's per-second limits count requests as they
  // arrive, and answers on a busy machine come out in clumps (the bench's peak rate reads this log).
  const arrivedAt = new WeakMap<object, number>()
  app.addHook('onRequest', async (request) => {
    arrivedAt.set(request, clock.now())
  })

  registerControlGuard(app, context)
  const faultHooks = registerFaultHooks(app, context)

  // Token checks (docs/dingtalk.md#errors) for matched routes; 404s stay 404s.
  app.addHook('onRequest', async (request, reply) => {
    if (reply.sent || request.routeOptions.url === undefined) return
    const path = pathOf(request)
    const family = pathFamily(path)
    if (family === 'api' && !path.startsWith('/v1.0/oauth2/')) {
      const header = request.headers['x-acs-dingtalk-access-token']
      const verdict = state.checkToken(typeof header === 'string' ? header : undefined)
      if (verdict !== 'ok') {
        await drain(request)
        return sendApiError(reply, 400, 'InvalidAuthentication', '不合法的access_token')
      }
    } else if (family === 'oapi' && path !== '/gettoken') {
      const token = (request.query as Record<string, unknown>)['access_token']
      const only = config.oapiToken === 'legacy' ? 'legacy' : undefined
      const verdict = state.checkToken(typeof token === 'string' ? token : undefined, only)
      if (verdict === 'expired') {
        await drain(request)
        return sendOapiError(reply, 42001, 'access_token超时')
      }
      if (verdict !== 'ok') {
        await drain(request)
        return sendOapiError(reply, 40014, '不合法的access_token')
      }
    }
  })

  // The API gateway tags every answer with a request id (docs/dingtalk.md#errors), not only errors.
  app.addHook('onSend', async (request, reply) => {
    if (pathFamily(pathOf(request)) === 'api' && !reply.hasHeader('x-acs-request-id')) reply.header('x-acs-request-id', apiRequestId())
  })

  app.addHook('onResponse', async (request, reply) => {
    if (pathFamily(pathOf(request)) === 'control' || faultHooks.wasDropped(request)) return
    context.requests.record(request.method, request.url, reply.statusCode, arrivedAt.get(request) ?? clock.now())
  })

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const path = pathOf(request)
    const family = pathFamily(path)
    if (err instanceof ApiError) return sendApiError(reply, err.status, err.code, err.message)
    if (err instanceof OapiError) return sendOapiError(reply, err.errcode, err.errmsg)
    const status = err.statusCode ?? 500
    if (status >= 400 && status < 500) {
      const message = bodyErrorMessage(err)
      if (family === 'oapi') return sendOapiError(reply, 40035, `不合法的参数: ${message}`)
      if (family === 'oss') return sendOssError(reply, 400, 'InvalidArgument', message)
      return sendApiError(reply, status === 413 ? 413 : 400, 'paramError', message)
    }
    request.log.error({ err }, 'emulator route failed')
    if (family === 'oapi') return sendOapiError(reply, -1, '系统繁忙')
    if (family === 'oss') return sendOssError(reply, 500, 'InternalError', 'We encountered an internal error. Please try again.')
    return sendApiError(reply, 500, 'systemError', 'Service is busy, try again later')
  })

  app.setNotFoundHandler(async (request, reply) => {
    const path = pathOf(request)
    const family = pathFamily(path)
    await drain(request)
    if (family === 'oapi') return reply.code(404).send({ errcode: 404, errmsg: '请求的URI地址不存在' })
    if (family === 'oss') return sendOssError(reply, 404, 'NoSuchKey', 'The specified key does not exist.')
    if (family === 'api')
      return sendApiError(
        reply,
        404,
        'InvalidAction.NotFound',
        `Specified api is not found, please check your url and method: ${request.method} ${path}`,
      )
    return sendApiError(reply, 404, 'NotFound', `No such path: ${request.method} ${path}`)
  })

  app.addHook('onClose', async () => {
    await context.store.close()
  })

  registerAuthRoutes(app, context)
  registerResourceRoutes(app, context)
  registerUploadRoutes(app, context)
  registerBlockRoutes(app, context)
  registerWikiRoutes(app, context)
  registerDocListRoutes(app, context)
  registerViewRoutes(app, context)
  registerControlRoutes(app, context)

  return { app, state, context }
}
