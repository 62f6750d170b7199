/**
 * `POST /api/documents/:docId/insertions` (DESIGN.md §2): verifies every resource token, then
 * inserts once per Idempotency-Key (and, through the document check in services/insertion.ts,
 * once per resource even when this process forgot the key).
 */
import { createHash } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import {
  DocParamsSchema,
  IDEMPOTENCY_KEY_HEADER,
  InsertionRequestSchema,
  type InsertionResponse,
  type Position,
} from '@contract/api'
import { AppError } from '../errors'
import { requireUser } from '../auth/guard'
import { IdempotencyStore } from '../services/idempotency-store'
import { DocumentLocks, insertItems } from '../services/insertion'
import { verifyResourceToken } from '../services/resource-token'
import type { RouteDeps } from './deps'

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{8,128}$/

export interface InsertionRouteOptions extends RouteDeps {
  /** Time source for token ages and the idempotency store; default Date.now. */
  now?: () => number
  /** Wait between retries of an insert whose outcome DingTalk left unknown; injectable for tests. */
  sleep?: (ms: number) => Promise<void>
}

/** Registers the insertion route with its own idempotency store and per-document lock. */
export const insertionRoutes: FastifyPluginAsync<InsertionRouteOptions> = async (app, opts) => {
  const { config, dingtalk } = opts
  const now = opts.now ?? Date.now
  const store = new IdempotencyStore<InsertionResponse>({ now })
  const locks = new DocumentLocks()

  app.post('/api/documents/:docId/insertions', async (request, reply) => {
    const user = requireUser(request)
    const params = DocParamsSchema.safeParse(request.params)
    if (!params.success) throw new AppError('invalid_request', 400, 'The document id is not valid.')
    const docId = params.data.docId

    const key = request.headers[IDEMPOTENCY_KEY_HEADER]
    if (key === undefined || key === '') {
      throw new AppError('idempotency_key_required', 428, 'Send an Idempotency-Key header so a retry cannot insert twice.')
    }
    if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
      throw new AppError('invalid_request', 400, 'Idempotency-Key must be 8–128 letters, digits, "-" or "_".')
    }

    const parsed = InsertionRequestSchema.safeParse(request.body)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
      throw new AppError('invalid_request', 400, `Invalid insertion request: ${where}${issue?.message ?? 'bad body'}`)
    }
    const body = parsed.data
    if (body.items.length > config.limits.maxFilesPerBatch) {
      throw new AppError('invalid_request', 400, `At most ${config.limits.maxFilesPerBatch} items can be inserted at once.`)
    }
    const position: Position = body.position ?? { where: 'end' }
    const layout = body.layout ?? 'separate'

    // Every token is checked before anything reaches DingTalk (400 resource_invalid).
    const at = now()
    const items = body.items.map((item) => ({
      resource: verifyResourceToken(config.sessionSecret, item.resourceToken, { docId, unionId: user.unionId, now: at }),
      caption: item.caption,
    }))

    const fingerprint = createHash('sha256')
      .update(JSON.stringify([body.items.map((i) => [i.resourceToken, i.caption ?? null]), position, layout]))
      .digest('hex')
    const { result } = await store.run({ unionId: user.unionId, docId, key }, fingerprint, () =>
      locks.run(docId, async () => {
        const blocks = await insertItems({ dingtalk, docId, unionId: user.unionId, sleep: opts.sleep }, items, position, layout)
        return { blocks, documentUrl: config.documentUrl(docId) }
      }),
    )
    return reply.code(201).send(result)
  })
}
