/** `GET /api/jsapi-config?url=` (docs/api.md#jsapi-config): what `dd.config` needs, signed for that page. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { JsapiConfigQuerySchema, JsapiConfigResponseSchema } from '@contract/api'
import { toAppError } from '../errors'
import { signedPageUrl, type JsapiSigner } from '../services/jsapi/jsapi-signing'
import type { RouteDeps } from './deps'

export interface JsapiRouteOptions extends RouteDeps {
  signer: JsapiSigner
}

export const jsapiRoutes: FastifyPluginAsyncZod<JsapiRouteOptions> = async (app, opts) => {
  app.get(
    '/api/jsapi-config',
    { schema: { querystring: JsapiConfigQuerySchema, response: { 200: JsapiConfigResponseSchema } } },
    async (request) => {
      const origin = opts.config.publicOrigin ?? `${request.protocol}://${request.host}`
      const url = signedPageUrl(request.query.url, [origin])
      try {
        return await opts.signer.sign(url)
      } catch (err) {
        throw toAppError(err)
      }
    },
  )
}
