import { describe, expect, it } from 'vitest'
import { AppError } from '../../errors'
import { RESOURCE_TOKEN_MAX_AGE_MS, signResourceToken, verifyResourceToken, type ResourceClaims } from './resource-token'

const SECRET = 'x'.repeat(40)
const NOW = 1_800_000_000_000
const claims: ResourceClaims = {
  resourceId: 'res-1',
  resourceUrl: '/core/api/resources/img/res-1',
  kind: 'image',
  name: 'a.jpg',
  mediaType: 'image/jpeg',
  size: 10,
  docId: 'doc1',
  unionId: 'union-a',
  issuedAt: NOW,
}

function rejection(fn: () => unknown): AppError {
  try {
    fn()
  } catch (err) {
    if (err instanceof AppError) return err
    throw err
  }
  throw new Error('expected a rejection')
}

describe('resource tokens', () => {
  it('round-trips the claims for the same person and document', () => {
    const token = signResourceToken(SECRET, claims)
    expect(verifyResourceToken(SECRET, token, { docId: 'doc1', unionId: 'union-a', now: NOW + 1000 })).toEqual(claims)
  })

  it.each([
    ['another person', { docId: 'doc1', unionId: 'union-b', now: NOW }],
    ['another document', { docId: 'doc2', unionId: 'union-a', now: NOW }],
    ['too old', { docId: 'doc1', unionId: 'union-a', now: NOW + RESOURCE_TOKEN_MAX_AGE_MS + 1 }],
    ['issued in the future', { docId: 'doc1', unionId: 'union-a', now: NOW - 10 * 60_000 }],
  ])('refuses a token used by %s', (_label, expected) => {
    const err = rejection(() => verifyResourceToken(SECRET, signResourceToken(SECRET, claims), expected))
    expect(err.code).toBe('resource_invalid')
    expect(err.status).toBe(400)
  })

  it('refuses forged, tampered and malformed tokens', () => {
    const token = signResourceToken(SECRET, claims)
    const [v, payload, sig] = token.split('.')
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, unionId: 'union-b' })).toString('base64url')
    const expected = { docId: 'doc1', unionId: 'union-b', now: NOW }
    for (const bad of [
      `${v}.${forgedPayload}.${sig}`,
      signResourceToken('y'.repeat(40), { ...claims, unionId: 'union-b' }),
      `${v}.${payload}`,
      `v2.${payload}.${sig}`,
      'not-a-token',
      `${v}.${payload}.${sig}x`,
    ]) {
      expect(rejection(() => verifyResourceToken(SECRET, bad, expected)).code).toBe('resource_invalid')
    }
  })
})
