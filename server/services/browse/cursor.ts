/**
 * Opaque page cursors: DingTalk's `nextToken` wrapped with what it belongs to, base64url-encoded,
 * so a cursor from one listing cannot be replayed against another and garbage is a clear 400.
 */
import { z } from 'zod'
import { AppError } from '../../errors'

const CursorSchema = z.object({ k: z.string(), s: z.string(), t: z.string().min(1) })

/** Wraps DingTalk's `nextToken` for the listing `kind` over `scope` (e.g. the parent folder). */
export function encodeCursor(kind: string, scope: string, nextToken: string | null): string | null {
  if (!nextToken) return null
  return Buffer.from(JSON.stringify({ k: kind, s: scope, t: nextToken })).toString('base64url')
}

/**
 * The DingTalk `nextToken` inside `cursor`, or undefined for the first page.
 * @throws AppError 400 invalid_request when the cursor is malformed or from another listing.
 */
export function decodeCursor(kind: string, scope: string, cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    payload = undefined
  }
  const parsed = CursorSchema.safeParse(payload)
  if (!parsed.success || parsed.data.k !== kind || parsed.data.s !== scope) {
    throw new AppError('invalid_request', { status: 400, message: 'The cursor is not valid for this list; start from the first page.' })
  }
  return parsed.data.t
}
