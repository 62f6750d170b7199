/**
 * Evidence (docs/evidence.md): checking a claim before the bytes go to DingTalk, recording what
 * DingTalk received, public lookups, withdrawal, and a document's register. Document access is
 * always asked of DingTalk as the signed-in person (operatorId = session unionId), as browsing does.
 */
import type { EvidenceClaim, EvidenceLookupResponse, EvidenceRecord, EvidenceRegisterResponse } from '@contract/api'
import type { DingTalkApi } from '../../dingtalk/types'
import { DingTalkError } from '../../dingtalk/errors'
import { AppError } from '../../errors'
import type { SessionUser } from '../../auth/guard'
import type { EvidenceRegistry, StoredEvidence } from '../../store/evidence-registry'

const PAGE_SIZE = 50
const MANAGER_ROLES = new Set(['OWNER', 'MANAGER'])

export interface EvidenceDeps {
  /** null: evidence is unavailable here (REDIS_URL without DATABASE_URL). */
  registry: EvidenceRegistry | null
  dingtalk: DingTalkApi
  now: () => number
  logger?: { warn(obj: object, msg: string): void }
  /** Who may read which document, remembered briefly for lookups (see createAccessCache). */
  accessCache?: AccessCache
}

/** How long a lookup trusts DingTalk's answer on a person's access to a document. */
const ACCESS_TTL_MS = 60_000
const ACCESS_CACHE_MAX = 10_000

/**
 * Lookups remember for a minute whether a person can read a document: a page of QR scans by
 * one reader would otherwise spend one DingTalk call each (and DingTalk's 20/s budget). A person
 * whose access was removed may still see the uploader's name for up to that minute.
 */
export interface AccessCache {
  get(key: string, now: number): { role: string; name: string } | null | undefined
  set(key: string, value: { role: string; name: string } | null, now: number): void
}

export function createAccessCache(): AccessCache {
  const entries = new Map<string, { value: { role: string; name: string } | null; until: number }>()
  return {
    get(key, now) {
      const hit = entries.get(key)
      if (!hit) return undefined
      if (hit.until <= now) {
        entries.delete(key)
        return undefined
      }
      return hit.value
    },
    set(key, value, now) {
      if (entries.size >= ACCESS_CACHE_MAX) entries.delete(entries.keys().next().value ?? '')
      entries.set(key, { value, until: now + ACCESS_TTL_MS })
    },
  }
}

/** What an upload with a checked claim carries to the record step. */
export interface EvidenceUpload {
  code: string
  verifyUrl: string
  /** Called once DingTalk holds the bytes; `409 evidence_code_used` when the code went to other content meanwhile. */
  record(upload: { sha256: string; docId: string; resourceId: string }): Promise<{ code: string; verifyUrl: string }>
}

export function notIssued(): AppError {
  return new AppError('evidence_code_not_issued', {
    status: 403,
    message: 'This evidence code was not issued to you; stamp the photo with one of your own codes.',
  })
}

export function codeUsed(): AppError {
  return new AppError('evidence_code_used', {
    status: 409,
    message: 'This evidence code is already registered for another photo; stamp it with a fresh code.',
  })
}

function unavailable(): AppError {
  return new AppError('invalid_request', { status: 400, message: 'Evidence is not available on this server (docs/evidence.md).' })
}

function notFound(): AppError {
  return new AppError('not_found', { status: 404, message: 'No evidence is registered under this code.' })
}

/** The registry, or 400 when evidence is unavailable here. */
export function requireRegistry(deps: EvidenceDeps): EvidenceRegistry {
  if (!deps.registry) throw unavailable()
  return deps.registry
}

/** `<origin>/v/<code>`: the page a code's QR code and link lead to. */
export function verifyUrlOf(origin: string, code: string): string {
  return `${origin}/v/${code}`
}

/**
 * Checks a claim before any byte goes to DingTalk: the code must have been issued to this person
 * (403), and must not be registered already for other content (409; known here only when the
 * browser sent the SHA-256 up front — the record step enforces it atomically in any case).
 */
export async function prepareEvidenceUpload(
  deps: EvidenceDeps,
  input: { claim: EvidenceClaim; user: SessionUser; origin: string; sha256: string | undefined },
): Promise<EvidenceUpload> {
  const registry = requireRegistry(deps)
  const { claim, user } = input
  const [reservation, existing] = await Promise.all([registry.reservation(claim.code), registry.find(claim.code)])
  if (existing) {
    if (existing.uploader.unionId !== user.unionId) throw notIssued()
    if (input.sha256 !== undefined && input.sha256 !== existing.sha256) throw codeUsed()
  } else if (!reservation || reservation.unionId !== user.unionId || reservation.expiresAt <= deps.now()) {
    throw notIssued()
  }
  const verifyUrl = verifyUrlOf(input.origin, claim.code)
  return {
    code: claim.code,
    verifyUrl,
    async record({ sha256, docId, resourceId }) {
      const { created, record } = await registry.register({
        code: claim.code,
        sha256,
        receivedAt: new Date(deps.now()).toISOString(),
        takenAt: claim.takenAt,
        takenAtSource: claim.takenAtSource,
        place: claim.place,
        lines: claim.lines,
        uploader: { unionId: user.unionId, name: user.name },
        docId,
        resourceId,
        blockId: null,
        withdrawn: null,
        verifyUrl,
      })
      // A resend of the same bytes under the same code answers with the first record, unchanged.
      if (!created && (record.sha256 !== sha256 || record.uploader.unionId !== user.unionId)) throw codeUsed()
      return { code: record.code, verifyUrl: record.verifyUrl }
    },
  }
}

/** The person's role on the document, or null when DingTalk says they cannot see it (or it is gone). */
export async function roleOn(dingtalk: DingTalkApi, docId: string, unionId: string): Promise<{ role: string; name: string } | null> {
  try {
    const node = await dingtalk.getNode(docId, unionId)
    const role = node.permissionRole ?? 'READER'
    return role === 'NONE' ? null : { role, name: node.name }
  } catch (err) {
    if (err instanceof DingTalkError && (err.appCode === 'forbidden' || err.appCode === 'document_not_found')) return null
    throw err
  }
}

/** What the verify page warns about: the stamp's name is not the uploader's; its time is after the server got it. */
export interface EvidenceFlags {
  nameNotUploader: boolean
  takenAfterReceived: boolean
}

/** Flags computed from the full record (the uploader's name itself stays hidden from non-readers). */
export function evidenceFlags(record: StoredEvidence): EvidenceFlags {
  const name = record.uploader.name.trim()
  const takenMs = record.takenAt === null ? Number.NaN : Date.parse(record.takenAt)
  return {
    nameNotUploader: name !== '' && !record.lines.some((line) => line.includes(name)),
    takenAfterReceived: Number.isFinite(takenMs) && takenMs > Date.parse(record.receivedAt),
  }
}

/** The lookup answer and the flags; who uploaded it and where only for a signed-in reader of that document. */
export async function inspectEvidence(
  deps: EvidenceDeps,
  code: string,
  viewer: SessionUser | null,
): Promise<{ answer: EvidenceLookupResponse; flags: EvidenceFlags }> {
  const record = await requireRegistry(deps).find(code)
  if (!record) throw notFound()
  let access: { role: string; name: string } | null = null
  if (viewer) {
    const key = `${viewer.unionId}\n${record.docId}`
    try {
      const cached = deps.accessCache?.get(key, deps.now())
      access = cached !== undefined ? cached : await roleOn(deps.dingtalk, record.docId, viewer.unionId)
      if (cached === undefined) deps.accessCache?.set(key, access, deps.now())
    } catch (err) {
      // DingTalk unwell: answer what anyone may see rather than fail the public part.
      deps.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'evidence lookup: document access unknown')
    }
  }
  const answer: EvidenceLookupResponse = {
    code: record.code,
    sha256: record.sha256,
    receivedAt: record.receivedAt,
    takenAt: record.takenAt,
    takenAtSource: record.takenAtSource,
    place: record.place,
    lines: record.lines,
    withdrawn: record.withdrawn,
    document: access ? { docId: record.docId, name: access.name } : null,
    uploader: access ? { name: record.uploader.name } : null,
  }
  return { answer, flags: evidenceFlags(record) }
}

/** `DELETE /api/evidence/:code`: the uploader, or an OWNER/MANAGER of the document; anyone else 403. */
export async function withdrawEvidence(deps: EvidenceDeps, code: string, user: SessionUser): Promise<void> {
  const registry = requireRegistry(deps)
  const record = await registry.find(code)
  if (!record) throw notFound()
  if (record.uploader.unionId !== user.unionId) {
    const access = await roleOn(deps.dingtalk, record.docId, user.unionId)
    if (!access || !MANAGER_ROLES.has(access.role)) {
      throw new AppError('forbidden', {
        status: 403,
        message: 'Only the uploader or a manager of the document can withdraw this evidence.',
      })
    }
  }
  await registry.withdraw(code, { at: new Date(deps.now()).toISOString(), by: user.name })
}

/** The register entry readers of the document see (no unionIds). */
export function toEvidenceRecord(r: StoredEvidence): EvidenceRecord {
  return {
    code: r.code,
    sha256: r.sha256,
    receivedAt: r.receivedAt,
    takenAt: r.takenAt,
    takenAtSource: r.takenAtSource,
    place: r.place,
    lines: r.lines,
    uploader: { name: r.uploader.name },
    docId: r.docId,
    resourceId: r.resourceId,
    blockId: r.blockId,
    withdrawn: r.withdrawn,
    verifyUrl: r.verifyUrl,
  }
}

function encodeCursor(next: { receivedAt: string; code: string } | null): string | null {
  return next ? Buffer.from(JSON.stringify([next.receivedAt, next.code])).toString('base64url') : null
}

function decodeCursor(cursor: string | undefined): { receivedAt: string; code: string } | null {
  if (cursor === undefined || cursor === '') return null
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string')
      return { receivedAt: value[0], code: value[1] }
  } catch {
    // fall through to the error below
  }
  throw new AppError('invalid_request', { status: 400, message: 'The cursor is not valid; start from the first page.' })
}

/** Checks the person can read the document (403 forbidden / 404 document_not_found as DingTalk says); its name. */
export async function readableDocumentName(deps: EvidenceDeps, docId: string, user: SessionUser): Promise<string> {
  const node = await deps.dingtalk.getNode(docId, user.unionId)
  if (node.permissionRole === 'NONE') throw new AppError('forbidden', { status: 403, message: 'You do not have access to that document.' })
  return node.name
}

/** One page of the document's register, newest first. */
export async function evidencePage(deps: EvidenceDeps, docId: string, cursor: string | undefined): Promise<EvidenceRegisterResponse> {
  const page = await requireRegistry(deps).listByDocument(docId, PAGE_SIZE, decodeCursor(cursor))
  return { items: page.items.map(toEvidenceRecord), nextCursor: encodeCursor(page.next) }
}

/** Every record of the document, newest first (for the CSV export). */
export async function allEvidence(deps: EvidenceDeps, docId: string): Promise<EvidenceRecord[]> {
  const registry = requireRegistry(deps)
  const out: EvidenceRecord[] = []
  let before: { receivedAt: string; code: string } | null = null
  do {
    const page = await registry.listByDocument(docId, 500, before)
    out.push(...page.items.map(toEvidenceRecord))
    before = page.next
  } while (before)
  return out
}

/** Which block holds each inserted item that carries evidence (`blocks[i]` holds item i). */
export function evidencePlacements(
  items: { resource: { evidence?: { code: string } } }[],
  blocks: ({ blockId: string } | undefined)[],
): { code: string; blockId: string }[] {
  return items.flatMap((item, i) => {
    const code = item.resource.evidence?.code
    const blockId = blocks[i]?.blockId
    return code && blockId ? [{ code, blockId }] : []
  })
}

/** Notes which block holds each inserted photo with evidence (best effort: the photo is in either way). */
export async function recordEvidenceBlocks(deps: EvidenceDeps, placed: { code: string; blockId: string }[]): Promise<void> {
  if (!deps.registry || placed.length === 0) return
  const registry = deps.registry
  try {
    await Promise.all(placed.map((p) => registry.setBlock(p.code, p.blockId)))
  } catch (err) {
    deps.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'evidence: block ids not recorded')
  }
}
