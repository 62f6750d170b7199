/**
 * resourceToken: an opaque, server-signed receipt of one upload (docs/api.md), so insertion
 * needs no server-side store and a resource can only be inserted by the person who uploaded it,
 * into the document it was uploaded for. Format: `v1.<base64url JSON claims>.<base64url HMAC>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { ResourceKindSchema } from '@contract/api'
import { AppError } from '../../errors'

/** How long after upload a resource may still be inserted. */
export const RESOURCE_TOKEN_MAX_AGE_MS = 24 * 60 * 60 * 1000
/** Tolerated clock difference for `issuedAt` in the future (several server instances). */
const FUTURE_SKEW_MS = 60 * 1000
const VERSION = 'v1'
/** Separates this key from every other use of SESSION_SECRET (the session cookie). */
const KEY_LABEL = 'doc-attach/resource-token/v1'

const ClaimsSchema = z.object({
  resourceId: z.string().min(1),
  resourceUrl: z.string().min(1),
  kind: ResourceKindSchema,
  name: z.string().min(1),
  mediaType: z.string().min(1),
  size: z.number().int().nonnegative(),
  docId: z.string().min(1),
  unionId: z.string().min(1),
  issuedAt: z.number().int().nonnegative(),
  /** SHA-256 (hex) of the bytes uploaded, so the insertion can record what went in (duplicate detection). */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** The evidence registered for these bytes: insertion links the code after the image (docs/evidence.md). */
  evidence: z.object({ code: z.string().min(1), verifyUrl: z.string().min(1) }).optional(),
})

/** What a token proves about one uploaded resource. */
export type ResourceClaims = z.infer<typeof ClaimsSchema>

function deriveKey(secret: string): Buffer {
  return createHmac('sha256', secret).update(KEY_LABEL).digest()
}

function signature(secret: string, signedPart: string): Buffer {
  return createHmac('sha256', deriveKey(secret)).update(signedPart).digest()
}

/** Signs `claims` with a key derived from `secret` (AppConfig.sessionSecret). */
export function signResourceToken(secret: string, claims: ResourceClaims): string {
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url')
  const signedPart = `${VERSION}.${payload}`
  return `${signedPart}.${signature(secret, signedPart).toString('base64url')}`
}

function invalid(message: string): AppError {
  return new AppError('resource_invalid', { status: 400, message })
}

const BASE64URL = /^[A-Za-z0-9_-]+$/

/**
 * Checks a token's signature (constant time), age, document and person; returns its claims.
 * Throws `400 resource_invalid` for anything forged, malformed, expired, or issued to another
 * person or for another document — without saying which, so a forger learns nothing.
 */
export function verifyResourceToken(
  secret: string,
  token: string,
  expected: { docId: string; unionId: string; now: number },
): ResourceClaims {
  const parts = token.split('.')
  const [version, payload, sig] = parts
  if (parts.length !== 3 || version !== VERSION || !payload || !sig || !BASE64URL.test(payload) || !BASE64URL.test(sig)) {
    throw invalid('The resource token is not valid.')
  }
  // Compared as canonical text, so no second spelling of the same signature bytes is accepted.
  const expectedSig = Buffer.from(signature(secret, `${version}.${payload}`).toString('base64url'))
  const givenSig = Buffer.from(sig)
  if (givenSig.length !== expectedSig.length || !timingSafeEqual(givenSig, expectedSig)) {
    throw invalid('The resource token is not valid.')
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
  } catch {
    throw invalid('The resource token is not valid.')
  }
  const claims = ClaimsSchema.safeParse(parsed)
  if (!claims.success) throw invalid('The resource token is not valid.')
  const { issuedAt, docId, unionId } = claims.data
  if (issuedAt > expected.now + FUTURE_SKEW_MS || expected.now - issuedAt > RESOURCE_TOKEN_MAX_AGE_MS) {
    throw invalid('The upload is too old to insert; upload the file again.')
  }
  if (docId !== expected.docId || unionId !== expected.unionId) {
    throw invalid('This upload belongs to another person or document.')
  }
  return claims.data
}
