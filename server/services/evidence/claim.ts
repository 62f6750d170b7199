/**
 * Reading what the phone claims about a stamped photo (docs/evidence.md#what-is-claimed): the
 * `X-Evidence` header (base64url of JSON) or the tus `evidence` metadata value (JSON, already
 * base64-decoded by tus). Typed text is cleaned of control characters before it is kept.
 */
import { EvidenceClaimSchema, MAX_EVIDENCE_HEADER_BYTES, type EvidenceClaim } from '@contract/api'
import { AppError } from '../../errors'
import { stripControls } from '../text/strip-controls'

function invalid(message: string): AppError {
  return new AppError('invalid_request', { status: 400, message })
}

/** Parses the claim JSON; `400 invalid_request` when it is too large or not the documented shape. */
export function parseEvidenceJson(json: string): EvidenceClaim {
  if (Buffer.byteLength(json, 'utf8') > MAX_EVIDENCE_HEADER_BYTES) throw invalid('The evidence claim is larger than 4 KiB.')
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    throw invalid('The evidence claim is not JSON.')
  }
  const parsed = EvidenceClaimSchema.safeParse(value)
  if (!parsed.success) throw invalid('The evidence claim does not have the documented shape (docs/api.md#evidence).')
  const claim = parsed.data
  return { ...claim, place: claim.place === null ? null : stripControls(claim.place), lines: claim.lines.map(stripControls) }
}

/** Parses an `X-Evidence` header value (base64url, at most 4 KiB). */
export function parseEvidenceHeader(header: string): EvidenceClaim {
  if (header.length > MAX_EVIDENCE_HEADER_BYTES) throw invalid('The X-Evidence header is larger than 4 KiB.')
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(header)) throw invalid('The X-Evidence header is not base64url.')
  return parseEvidenceJson(Buffer.from(header, 'base64url').toString('utf8'))
}
