import type { FastifyInstance } from 'fastify'
import { httpRequestSeconds } from './registry'

/** Records every answer by route template (never the raw URL: ids would explode the label set). */
export function observeRequests(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    httpRequestSeconds.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    )
  })
}
