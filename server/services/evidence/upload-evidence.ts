/**
 * The evidence hook of both upload paths (docs/api.md#evidence-upload): the `X-Evidence` header of
 * `POST …/resources`, or the tus `evidence` metadata value, checked before any byte is relayed.
 */
import { Metadata } from '@tus/server'
import type { FastifyRequest } from 'fastify'
import { z } from 'zod'
import { EVIDENCE_METADATA_KEY, EvidenceClaimSchema, Sha256HexSchema } from '@contract/api'
import type { SessionUser } from '../../auth/guard'
import type { AppConfig } from '../../config'
import { AppError } from '../../errors'
import { parseEvidenceHeader, parseEvidenceJson } from './claim'
import { parseStoredJson } from '../../store/stored-json'
import { prepareEvidenceUpload, type EvidenceDeps, type EvidenceUpload } from './evidence-service'

/** The origin verify links are made on: PUBLIC_ORIGIN, else the one the request came to. */
export function publicOriginOf(config: AppConfig, request: FastifyRequest): string {
  return config.publicOrigin ?? `${request.protocol}://${request.host}`
}

function unavailable(): AppError {
  return new AppError('invalid_request', { status: 400, message: 'Evidence is not available on this server (docs/evidence.md).' })
}

/**
 * The checked evidence of an upload, or undefined without a claim. `encoded` is the X-Evidence
 * header (base64url JSON) or, with `json: true`, the decoded tus metadata value.
 */
export async function evidenceForUpload(
  deps: { config: AppConfig; evidence?: EvidenceDeps },
  request: FastifyRequest,
  user: SessionUser,
  encoded: string | string[] | undefined,
  sha256: string | undefined,
  opts: { json?: boolean } = {},
): Promise<EvidenceUpload | undefined> {
  if (encoded === undefined) return undefined
  if (Array.isArray(encoded)) throw new AppError('invalid_request', { status: 400, message: 'Send one X-Evidence header.' })
  const claim = opts.json ? parseEvidenceJson(encoded) : parseEvidenceHeader(encoded)
  if (!deps.evidence?.registry) throw unavailable()
  return prepareEvidenceUpload(deps.evidence, { claim, user, origin: publicOriginOf(deps.config, request), sha256 })
}

/** What a tus upload keeps of its checked claim until the transfer to DingTalk. */
const KeptEvidenceSchema = z.object({
  claim: EvidenceClaimSchema,
  user: z.object({ userId: z.string(), unionId: z.string(), name: z.string() }),
  origin: z.string(),
})

/**
 * tus creation: checks the `evidence` metadata value (400 / 403 / 409, before any byte) and returns
 * what to keep with the upload, or undefined without one. A malformed header is left to tus.
 */
export async function evidenceOfCreation(
  deps: { config: AppConfig; evidence?: EvidenceDeps },
  request: FastifyRequest,
  user: SessionUser,
): Promise<string | undefined> {
  const header = request.headers['upload-metadata']
  if (typeof header !== 'string') return undefined
  let metadata: Record<string, string | null>
  try {
    metadata = Metadata.parse(header)
  } catch {
    return undefined
  }
  const value = metadata[EVIDENCE_METADATA_KEY]
  if (value === undefined) return undefined
  if (value === null) throw new AppError('invalid_request', { status: 400, message: 'The evidence metadata has no value.' })
  const sha256 = metadata['sha256'] ? Sha256HexSchema.safeParse(metadata['sha256']).data : undefined
  const checked = await evidenceForUpload(deps, request, user, value, sha256, { json: true })
  if (!checked) return undefined
  return JSON.stringify({ claim: parseEvidenceJson(value), user, origin: publicOriginOf(deps.config, request) })
}

/** The record step of a finished tus upload, from what its creation kept (checked again: it may be days later). */
export function keptEvidenceRecorder(deps: EvidenceDeps): (kept: string) => Promise<Pick<EvidenceUpload, 'record'>> {
  return async (kept) => {
    const parsed = parseStoredJson(KeptEvidenceSchema, kept)
    if (!parsed) throw new AppError('invalid_request', { status: 400, message: "The upload's evidence could not be read; send it again." })
    return prepareEvidenceUpload(deps, { ...parsed, sha256: undefined })
  }
}
