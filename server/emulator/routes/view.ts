/** The alidocs-shaped document link (`/i/nodes/{docId}`) answered with the emulator's HTML view. */
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { EmulatorContext } from '../context'
import { renderDocumentPage, renderNotFoundPage } from '../html-view'

const VIEW_CSP = "default-src 'none'; img-src 'self' https: data:; style-src 'unsafe-inline'"

/** Sends a document's HTML view, or a 404 page. Shared with the control API's `documents/{docId}`. */
export function sendDocumentView(ctx: EmulatorContext, docId: string, reply: FastifyReply): FastifyReply {
  reply.header('content-security-policy', VIEW_CSP).type('text/html; charset=utf-8')
  const doc = ctx.state.document(docId)
  if (!doc) return reply.code(404).send(renderNotFoundPage(`No document ${docId}`))
  return reply.send(renderDocumentPage(ctx.state, doc))
}

export function registerViewRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get<{ Params: { docId: string } }>('/i/nodes/:docId', async (request, reply) => sendDocumentView(ctx, request.params.docId, reply))
}
