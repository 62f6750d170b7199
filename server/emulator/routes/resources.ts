/**
 * GetResourceUploadInfo (docs/dingtalk.md#getresourceuploadinfo) and the
 * resource bytes at `resourceUrl`.
 */
import { createReadStream } from 'node:fs'
import { pipeline } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { ResourceUploadInfoRequestSchema } from '../../dingtalk/schemas'
import type { EmulatorContext } from '../context'
import { ApiError, sendOssError } from '../errors'
import { resourceId as newResourceId } from '../ids'
import { throttle } from '../oss'
import { canEdit } from '../state'
import { parseBody, requireOperatorId, type Query } from './params'

/** Where a resource's bytes are served, relative to the document host (the seed's `resourceUrl`). */
export function resourceUrlOf(id: string): string {
  return `/core/api/resources/img/${id}`
}

export function registerResourceRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state } = ctx

  app.post<{ Params: { docId: string } }>('/v1.0/doc/docs/resources/:docId/uploadInfos/query', async (request) => {
    const operatorId = requireOperatorId(request.query as Query)
    const body = parseBody(ResourceUploadInfoRequestSchema, request.body)
    const { docId } = request.params
    const doc = state.document(docId)
    if (!doc) throw new ApiError(404, 'docNotExist', `document ${docId} does not exist`)
    const role = state.roleOf(doc.nodeId, operatorId)
    if (!canEdit(role)) {
      throw new ApiError(
        403,
        'permissionDenied',
        `operator ${operatorId} has role ${role} on document ${docId}; OWNER, MANAGER or EDITOR is required`,
      )
    }
    const id = newResourceId()
    const expires = Math.floor(ctx.clock.now() / 1000) + ctx.config.uploadUrlTtlSeconds
    const resourceUrl = resourceUrlOf(id)
    state.resources.set(id, {
      resourceId: id,
      docId,
      resourceUrl,
      mediaType: body.mediaType,
      size: body.size,
      resourceName: body.resourceName,
      operatorId,
      expires,
      uploaded: false,
      filePath: null,
    })
    return {
      success: true,
      result: {
        uploadUrl: ctx.signer.uploadUrl(ctx.publicOrigin(request), id, body.mediaType, expires),
        resourceId: id,
        resourceUrl,
      },
    }
  })

  // The bytes behind `resourceUrl`, with the registered media type; streamed from disk.
  app.get<{ Params: { id: string } }>('/core/api/resources/img/:id', async (request, reply) => {
    const resource = state.resources.get(request.params.id)
    if (!resource || !resource.uploaded || !resource.filePath) {
      return sendOssError(reply, 404, 'NoSuchKey', 'The specified key does not exist.')
    }
    const file = createReadStream(resource.filePath)
    const bps = ctx.throttles.get(request)
    reply
      .header('content-type', resource.mediaType)
      .header('content-length', String(resource.size))
      .header('x-content-type-options', 'nosniff')
      // Uploaded bytes are untrusted: never let them run as a page on the emulator's origin.
      .header('content-security-policy', "sandbox; default-src 'none'")
      .header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(resource.resourceName)}`)
    if (!bps) return reply.send(file)
    // pipeline (not pipe) so a client that goes away also closes the file.
    return reply.send(pipeline(file, throttle(bps), () => undefined))
  })
}
