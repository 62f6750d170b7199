/**
 * Evidence helpers for tests: issuing codes and uploading a photo with an `X-Evidence` claim
 * through the real app (docs/api.md#evidence).
 */
import { createHash } from 'node:crypto'
import type { LightMyRequestResponse } from 'fastify'
import { EvidenceCodesResponseSchema, ResourceResponseSchema, type EvidenceClaim, type ResourceResponse } from '@contract/api'
import type { SignedIn, TestApp } from './test-app'
import type { ApiClient } from './drills/api-client'
import { parseJson } from './http'

export const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

/** A claim as the H5 sends it, with the lines a stamp carries (seam: time, document, person, code). */
export function claimFor(code: string, who: { name: string }, extra: Partial<EvidenceClaim> = {}): EvidenceClaim {
  return {
    code,
    takenAt: '2026-12-08T09:30:00+08:00',
    takenAtSource: 'exif',
    place: null,
    lines: ['2026-12-08 09:30', '项目周报', `拍摄人 ${who.name}`, code],
    ...extra,
  }
}

export const encodeClaim = (claim: unknown): string => Buffer.from(JSON.stringify(claim), 'utf8').toString('base64url')

export async function issueCodes(t: TestApp, who: SignedIn, count = 3): Promise<string[]> {
  const res = await t.inject({ method: 'POST', url: '/api/evidence/codes', headers: who.headers, payload: { count } })
  if (res.statusCode !== 200) throw new Error(`codes failed: ${res.statusCode} ${res.body}`)
  return EvidenceCodesResponseSchema.parse(res.json()).codes
}

/** POSTs `bytes` as a PNG photo with `claim` in X-Evidence (raw header value when a string). */
export function postWithEvidence(
  t: TestApp,
  who: SignedIn,
  docId: string,
  bytes: Buffer,
  claim: EvidenceClaim | string,
  extraHeaders: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return t.inject({
    method: 'POST',
    url: `/api/documents/${docId}/resources?name=photo.png`,
    headers: {
      ...who.headers,
      'content-type': 'image/png',
      'x-evidence': typeof claim === 'string' ? claim : encodeClaim(claim),
      ...extraHeaders,
    },
    payload: bytes,
  })
}

export async function uploadWithEvidence(
  t: TestApp,
  who: SignedIn,
  docId: string,
  bytes: Buffer,
  claim: EvidenceClaim,
): Promise<ResourceResponse> {
  const res = await postWithEvidence(t, who, docId, bytes, claim)
  if (res.statusCode !== 201) throw new Error(`upload failed: ${res.statusCode} ${res.body}`)
  return ResourceResponseSchema.parse(res.json())
}

/** Through a running server (drills, e2e, bench): issues one code to the signed-in `api` client. */
export async function issueCodeVia(api: ApiClient): Promise<string> {
  const res = await api.request('POST', '/api/evidence/codes', { json: { count: 1 } })
  return parseJson(res, EvidenceCodesResponseSchema, 'evidence codes').codes[0] ?? ''
}

/** Through a running server: uploads a JPEG with `claim` in X-Evidence; throws unless 201. */
export async function uploadVia(api: ApiClient, docId: string, photo: Buffer, claim: EvidenceClaim): Promise<ResourceResponse> {
  const res = await api.request('POST', `/api/documents/${docId}/resources?name=evidence.jpg`, {
    body: photo,
    headers: { 'content-type': 'image/jpeg', 'content-length': photo.length, 'x-evidence': encodeClaim(claim) },
  })
  if (res.status !== 201) throw new Error(`upload with evidence answered ${res.status}: ${res.body.toString().slice(0, 200)}`)
  return parseJson(res, ResourceResponseSchema, 'upload with evidence')
}
