/**
 * The control API under `/__emulator/` (README "Control API"). Never faulted, never logged in
 * `requests`; errors use the same `{code, message, requestid}` shape as the emulated APIs.
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { EmulatorContext } from '../context'
import { ApiError } from '../errors'
import { FaultSpecSchema } from '../faults'
import { parseBody } from './params'
import { sendDocumentView } from './view'

const AuthCodeRequestSchema = z.object({ userId: z.string().min(1) })

export function registerControlRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state } = ctx

  // Back to the seed: roles, blocks and edits as seeded; resources (and their bytes), auth codes,
  // faults and the call log gone. App tokens stay valid (see EmulatorState.reset).
  app.post('/__emulator/reset', async () => {
    state.reset()
    ctx.faults.clear()
    ctx.requests.clear()
    await ctx.store.clear()
    return { ok: true }
  })

  app.post('/__emulator/auth-codes', async (request) => {
    const { userId } = parseBody(AuthCodeRequestSchema, request.body)
    const authCode = state.createAuthCode(userId)
    if (!authCode) throw new ApiError(400, 'paramError', `unknown userId ${userId}`)
    return { authCode }
  })

  app.get('/__emulator/state', async () => state.snapshot())

  app.post('/__emulator/faults', async (request) => {
    const spec = parseBody(FaultSpecSchema, request.body)
    return { faultId: ctx.faults.add(spec) }
  })

  app.get('/__emulator/faults', async () => ({ items: ctx.faults.list() }))

  app.delete('/__emulator/faults', async () => ({ cleared: ctx.faults.clear() }))

  app.delete<{ Params: { faultId: string } }>('/__emulator/faults/:faultId', async (request) => {
    if (!ctx.faults.remove(request.params.faultId)) throw new ApiError(404, 'NotFound', `no fault ${request.params.faultId}`)
    return { cleared: 1 }
  })

  // The current jsapi ticket, so fake bridges and tests can check a dd.config signature.
  app.get('/__emulator/jsapi-ticket', async () => ({ ticket: state.currentJsapiTicket().ticket }))

  app.get('/__emulator/requests', async () => ({ items: ctx.requests.items() }))

  app.delete('/__emulator/requests', async () => {
    ctx.requests.clear()
    return { ok: true }
  })

  app.get<{ Params: { docId: string } }>('/__emulator/documents/:docId', async (request, reply) =>
    sendDocumentView(ctx, request.params.docId, reply),
  )
}
