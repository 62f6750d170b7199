/**
 * Helpers for the upload and insertion route tests: what a document holds, in short form, and an
 * upload through the real app. Emulator calls go through the one client, ./emulator-control.ts.
 */
import { ResourceResponseSchema, type ResourceResponse } from '@contract/api'
import { getState, type EmulatorBlock, type EmulatorState } from './emulator-control'
import type { SignedIn, TestApp } from './test-app'

/** The blocks of one document as the emulator holds them. */
export async function documentBlocks(emulatorUrl: string, docId: string): Promise<EmulatorBlock[]> {
  const doc = (await getState(emulatorUrl)).documents.find((d) => d.docId === docId)
  if (!doc) throw new Error(`no document ${docId}`)
  return doc.blocks
}

/** What a block shows, compactly: `img:<src>`, `file:<name>`, `link:<href>`, or its text. */
export function describeBlock(block: EmulatorBlock): string {
  if (block.blockType === 'attachment') return `file:${block.attachment?.name ?? '?'}`
  const parts = (block.children ?? []).map((c) => {
    if (c.elementType === 'image') return `img:${String(c.properties?.src)}`
    if (c.elementType === 'link') return `link:${String(c.properties?.href)}`
    return c.text ?? ''
  })
  return parts.join('+') || (block.paragraph?.text ?? '')
}

/** Editable and read-only (unionId, userId) pairs for a document, from the emulator's roles. */
export function rolesOf(state: EmulatorState, docId: string): Record<string, string> {
  return state.documents.find((d) => d.docId === docId)?.roles ?? {}
}

/** Uploads `bytes` through the app; throws unless it answers 201. */
export async function upload(
  t: TestApp,
  who: SignedIn,
  docId: string,
  bytes: Buffer,
  name: string,
  contentType = 'application/octet-stream',
): Promise<ResourceResponse> {
  const res = await t.inject({
    method: 'POST',
    url: `/api/documents/${docId}/resources?name=${encodeURIComponent(name)}`,
    headers: { ...who.headers, 'content-type': contentType },
    payload: bytes,
  })
  if (res.statusCode !== 201) throw new Error(`upload failed: ${res.statusCode} ${res.body}`)
  return ResourceResponseSchema.parse(res.json())
}
