/** Input checks shared by the route modules; every failure is a DingTalk-shaped 400. */
import type { ZodType } from 'zod'
import { ApiError, zodMessage } from '../errors'
import type { EmulatorState } from '../state'

export type Query = Record<string, unknown>

/** A single string query value, or undefined. A repeated key is a parameter error. */
export function queryString(query: Query, name: string): string | undefined {
  const value = query[name]
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string') throw new ApiError(400, 'paramError', `${name} must be given once`)
  return value
}

/** `operatorId` (a unionId) is required by every doc and wiki API (docs/dingtalk.md#getresourceuploadinfo, #docblocksquery, #wiki). */
export function requireOperatorId(query: Query): string {
  const operatorId = queryString(query, 'operatorId')
  if (!operatorId) throw new ApiError(400, 'paramError', 'operatorId is required')
  return operatorId
}

/** `operatorId` of a known person, or 400: doc listings and wiki calls act on behalf of someone in the organisation. */
export function operatorOf(state: EmulatorState, query: Query): string {
  const operatorId = requireOperatorId(query)
  if (!state.userByUnionId(operatorId))
    throw new ApiError(400, 'paramError', `operatorId ${operatorId} is not a member of this organisation`)
  return operatorId
}

/** An integer query parameter within [min, max]; `fallback` when absent. */
export function queryInt(query: Query, name: string, opts: { min: number; max: number; fallback?: number }): number | undefined {
  const raw = queryString(query, name)
  if (raw === undefined) return opts.fallback
  if (!/^-?\d+$/.test(raw)) throw new ApiError(400, 'paramError', `${name} must be an integer, got "${raw}"`)
  const n = Number(raw)
  if (n < opts.min || n > opts.max) throw new ApiError(400, 'paramError', `${name} must be between ${opts.min} and ${opts.max}, got ${n}`)
  return n
}

/** A boolean query parameter (`true`/`false`); false when absent. */
export function queryBool(query: Query, name: string): boolean {
  const raw = queryString(query, name)
  if (raw === undefined) return false
  if (raw === 'true') return true
  if (raw === 'false') return false
  throw new ApiError(400, 'paramError', `${name} must be true or false, got "${raw}"`)
}

/** Parses a JSON body with a schema from server/dingtalk/schemas.ts; a mismatch is 400 paramError. */
export function parseBody<T>(schema: ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? undefined)
  if (!parsed.success) throw new ApiError(400, 'paramError', zodMessage(parsed.error))
  return parsed.data
}

/** Page tokens are opaque to callers; inside they carry the offset of the next page. */
export function encodePageToken(offset: number): string {
  return Buffer.from(`p:${offset}`).toString('base64url')
}

/** The offset in a `nextToken`, 0 when absent; a token we did not issue is a parameter error. */
export function decodePageToken(query: Query): number {
  const token = queryString(query, 'nextToken')
  if (token === undefined) return 0
  const match = /^p:(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString('utf8'))
  if (!match) throw new ApiError(400, 'paramError', 'nextToken is invalid')
  return Number(match[1])
}

/** One page of `items` from `offset`, with the token of the next page when there is one. */
export function paginate<T>(items: T[], offset: number, size: number): { page: T[]; nextToken: string | undefined } {
  const page = items.slice(offset, offset + size)
  const next = offset + size
  return { page, nextToken: next < items.length ? encodePageToken(next) : undefined }
}

/** DingTalk's wiki timestamps look like `2023-05-15T11:29Z` (docs/dingtalk.md#wiki). */
export function wikiTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16) + 'Z'
}
