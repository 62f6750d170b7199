import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { ConfigResponseSchema, HealthResponseSchema } from '@contract/api'
import { ACCEPTED_MEDIA_TYPES } from '../services/upload/media-types'
import type { RouteDeps } from './deps'

/** `GET /api/health` and `GET /api/config` (docs/api.md): public, no DingTalk calls. */
export const healthRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { config }) => {
  app.get('/api/health', { config: { public: true }, schema: { response: { 200: HealthResponseSchema } } }, async () => ({
    status: 'ok' as const,
    mode: config.mode,
  }))

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
  }))
}
