/**
 * Evidence codes (docs/evidence.md#codes): 12 Crockford base32 characters (60 random bits from the
 * CSPRNG), shown as XXXX-XXXX-XXXX, reserved for the person they were issued to for 30 days.
 */
import { randomInt } from 'node:crypto'
import { EVIDENCE_CODE_ALPHABET, type EvidenceCodesResponse } from '@contract/api'
import type { EvidenceRegistry } from '../../store/evidence-registry'

/** How long an issued code stays reserved for its person. */
export const CODE_RESERVATION_MS = 30 * 24 * 60 * 60 * 1000
/** Fresh draws tried when a drawn code is already taken (2^-60 per code: never in practice). */
const RESERVE_ATTEMPTS = 3

/** One fresh code, e.g. `7K3M-Q9TX-2H4B`. */
export function newEvidenceCode(): string {
  let s = ''
  for (let i = 0; i < 12; i++) s += EVIDENCE_CODE_ALPHABET[randomInt(EVIDENCE_CODE_ALPHABET.length)]
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`
}

/** Issues `count` codes to `unionId`, reserved until the answer's `expiresAt`. */
export async function issueEvidenceCodes(
  registry: EvidenceRegistry,
  unionId: string,
  count: number,
  now: number,
): Promise<EvidenceCodesResponse> {
  const expiresAt = now + CODE_RESERVATION_MS
  for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
    const codes = new Set<string>()
    while (codes.size < count) codes.add(newEvidenceCode())
    if (await registry.reserve([...codes], unionId, expiresAt)) return { codes: [...codes], expiresAt: new Date(expiresAt).toISOString() }
  }
  throw new Error('could not draw unused evidence codes')
}
