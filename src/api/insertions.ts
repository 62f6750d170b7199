import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_RETRY_HEADER,
  InsertionIncompleteDetailsSchema,
  InsertionResponseSchema,
  InsertionUncertainDetailsSchema,
  ResourceUsedDetailsSchema,
  type InsertionIncompleteDetails,
  type InsertionUncertainDetails,
  type InsertionRequest,
  type InsertionResponse,
} from '@contract/api'
import { ApiError, request } from './http'

const INSERTION_TIMEOUT_MS = 120_000

/**
 * `POST /api/documents/:docId/insertions` (docs/api.md). The same `idempotencyKey` with the same
 * body may be sent any number of times: the server inserts once and replays the result; after a
 * failure it finishes what is still missing. A different body under the same key is refused, so
 * callers persist the body together with the key.
 *
 * `retry`: this key was sent before (a resend after a network error, 5xx or timeout, or after a
 * reload). It adds `Idempotency-Retry: true`, so the server reads the document and inserts only what
 * is missing even if it lost its own record of the first attempt (docs/api.md "Exactly once").
 */
export function insertResources(
  docId: string,
  body: InsertionRequest,
  idempotencyKey: string,
  opts: { retry?: boolean; signal?: AbortSignal } = {},
): Promise<InsertionResponse> {
  return request(InsertionResponseSchema, {
    method: 'POST',
    url: `/documents/${encodeURIComponent(docId)}/insertions`,
    data: body,
    headers: { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey, ...(opts.retry ? { [IDEMPOTENCY_RETRY_HEADER]: 'true' } : {}) },
    // The server makes up to two DingTalk calls per item (with its own retries), so a full batch
    // takes far longer than an ordinary JSON call; a premature timeout would only cause a resend.
    timeout: INSERTION_TIMEOUT_MS,
    signal: opts.signal,
  })
}

/** What a failed insertion already put in the document (`error.details`), when the server said. */
export function incompleteDetails(error: unknown): InsertionIncompleteDetails | null {
  if (!(error instanceof ApiError)) return null
  const parsed = InsertionIncompleteDetailsSchema.safeParse(error.details)
  return parsed.success ? parsed.data : null
}

/** `409 insertion_uncertain`: which items may already be in the document (the person is asked). */
export function uncertainDetails(error: unknown): InsertionUncertainDetails | null {
  if (!(error instanceof ApiError) || error.code !== 'insertion_uncertain') return null
  const parsed = InsertionUncertainDetailsSchema.safeParse(error.details)
  return parsed.success ? parsed.data : null
}

/** `409 resource_used`: items already in the document from an earlier batch, with their blocks. */
export function usedBlocks(error: unknown): Array<{ blockId: string; resourceId: string }> | null {
  if (!(error instanceof ApiError) || error.code !== 'resource_used') return null
  const parsed = ResourceUsedDetailsSchema.safeParse(error.details)
  if (!parsed.success) return null
  const { items, resourceId, blockId } = parsed.data
  return items ?? (resourceId ? [{ resourceId, blockId }] : [])
}
