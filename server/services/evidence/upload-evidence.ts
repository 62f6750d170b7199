/**
 * The evidence hook of both upload paths (docs/api.md#evidence-upload): the `X-Evidence` header of
 * `POST …/resources`, or the tus `evidence` metadata value, checked before any byte is relayed.
 */
import type { FastifyRequest } from 'fastify'
import type { SessionUser } from '../../auth/guard'
import type { AppConfig } from '../../config'
import { AppError } from '../../errors'
import { parseEvidenceHeader, parseEvidenceJson } from './claim'
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
