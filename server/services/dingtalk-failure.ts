import { AppError } from '../errors'
import { DingTalkError } from '../dingtalk/errors'

const MESSAGES: Partial<Record<string, string>> = {
  invalid_request: 'DingTalk refused the request as invalid.',
  forbidden: 'You do not have permission to edit this document.',
  document_not_found: 'The document does not exist or was deleted.',
  rate_limited: 'DingTalk is busy right now; try again shortly.',
  dingtalk_unavailable: 'DingTalk is not reachable right now; try again shortly.',
}

/**
 * Turns a DingTalk failure into the AppError our API answers with (DESIGN.md §2 mapping, already
 * computed by DingTalkError), with `Retry-After` when DingTalk suggested a wait. Anything that is
 * not a DingTalkError is returned unchanged for the error handler.
 */
export function toAppError(err: unknown, details?: unknown): unknown {
  if (!(err instanceof DingTalkError)) return err
  const headers = err.retryAfterSeconds !== undefined ? { 'retry-after': String(err.retryAfterSeconds) } : undefined
  return new AppError(err.appCode, err.appStatus, MESSAGES[err.appCode] ?? 'DingTalk failed.', details, headers)
}
