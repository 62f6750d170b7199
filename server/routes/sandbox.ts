import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { SandboxAuthCodeRequestSchema, SandboxAuthCodeResponseSchema, SandboxUsersResponseSchema } from '@contract/api'
import type { SandboxControl } from '../services/sandbox/sandbox-control'

/**
 * Sandbox-only sign-in helpers (docs/api.md). app.ts registers them only in sandbox mode, so in
 * live mode these paths answer 404 not_found like any unknown endpoint.
 */
export const sandboxRoutes: FastifyPluginAsyncZod<{ sandbox: SandboxControl }> = async (app, { sandbox }) => {
  app.get('/api/sandbox/users', { config: { public: true }, schema: { response: { 200: SandboxUsersResponseSchema } } }, async () => ({
    items: await sandbox.listUsers(),
  }))

  app.post(
    '/api/sandbox/auth-codes',
    {
      config: { public: true, csrfExempt: true },
      schema: { body: SandboxAuthCodeRequestSchema, response: { 200: SandboxAuthCodeResponseSchema } },
    },
    async (request) => ({ authCode: await sandbox.createAuthCode(request.body.userId) }),
  )
}
