import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { ConfigResponseSchema, HealthResponseSchema } from '@contract/api'
import { AppError } from '../errors'
import { ACCEPTED_MEDIA_TYPES } from '../services/upload/media-types'
import type { RouteDeps } from './deps'

/**
 * `GET /api/health`, `GET /api/health/ready` and `GET /api/config` (docs/api.md): public,
 * no DingTalk calls. Health says how the process is; readiness says whether a load balancer
 * should send it requests (not while the shared store is unreachable or the process drains).
 */
export const healthRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { config, store, lifecycle }) => {
  app.get('/api/health', { config: { public: true }, schema: { response: { 200: HealthResponseSchema } } }, async () => {
    const storeReachable = await store.ping()
    return {
      status: storeReachable ? ('ok' as const) : ('degraded' as const),
      mode: config.mode,
      store: store.kind,
      storeReachable,
    }
  })

  app.get('/api/health/ready', { config: { public: true } }, async () => {
    if (lifecycle.draining) {
      throw new AppError('service_unavailable', {
        status: 503,
        message: 'This server is shutting down.',
        headers: { 'retry-after': '1' },
      })
    }
    if (!(await store.ping())) {
      throw new AppError('service_unavailable', {
        status: 503,
        message: 'The shared store is unreachable.',
        headers: { 'retry-after': '2' },
      })
    }
    return { ready: true }
  })

  app.get('/api/config', { config: { public: true }, schema: { response: { 200: ConfigResponseSchema } } }, async () => ({
    mode: config.mode,
    corpId: config.corpId,
    clientId: config.clientId,
    limits: {
      maxFileBytes: config.limits.maxFileBytes,
      maxImageBytes: config.limits.maxImageBytes,
      maxFilesPerBatch: config.limits.maxFilesPerBatch,
      acceptedTypes: [...ACCEPTED_MEDIA_TYPES],
    },
    evidence: { available: config.evidence.available, default: config.evidence.defaultOn },
  }))
}
