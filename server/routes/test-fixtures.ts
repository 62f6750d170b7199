/**
 * Helpers for the upload and insertion route tests (test-only): emulator inspection, sample
 * files, and an upload through the real app.
 */
import { z } from 'zod'
import sharp from 'sharp'
import { ResourceResponseSchema, type ResourceResponse } from '@contract/api'
import { EmulatorResourceSchema } from '../drills/support/emulator-control'
import type { SignedIn, TestApp } from '../test-app'

const InlineSchema: z.ZodType<{ elementType?: string; properties?: Record<string, unknown>; text?: string }> = z
  .object({ elementType: z.string().optional(), properties: z.record(z.string(), z.unknown()).optional(), text: z.string().optional() })
  .loose()

const BlockSchema = z
  .object({
    id: z.string(),
    index: z.number(),
    blockType: z.string(),
    paragraph: z.object({ text: z.string().optional() }).loose().optional(),
    attachment: z.object({ resourceId: z.string(), name: z.string(), type: z.string() }).loose().optional(),
    children: z.array(InlineSchema).optional(),
  })
  .loose()
export type EmulatorBlock = z.infer<typeof BlockSchema>

const StateSchema = z.object({
  users: z.array(z.object({ userId: z.string(), unionId: z.string(), name: z.string() })),
  documents: z.array(z.object({ docId: z.string(), roles: z.record(z.string(), z.string()), blocks: z.array(BlockSchema) }).loose()),
  resources: z.array(EmulatorResourceSchema),
})
export type EmulatorStateView = z.infer<typeof StateSchema>

const RequestsSchema = z.object({
  items: z.array(z.object({ method: z.string(), path: z.string(), status: z.number() }).loose()),
})
export type LoggedCall = z.infer<typeof RequestsSchema>['items'][number]

/** `GET /__emulator/state`. */
export async function emulatorState(emulatorUrl: string): Promise<EmulatorStateView> {
  const res = await fetch(`${emulatorUrl}/__emulator/state`)
  return StateSchema.parse(await res.json())
}

/** `GET /__emulator/requests`: every call DingTalk (the emulator) received, oldest first. */
export async function emulatorCalls(emulatorUrl: string): Promise<LoggedCall[]> {
  const res = await fetch(`${emulatorUrl}/__emulator/requests`)
  return RequestsSchema.parse(await res.json()).items
}

/** `POST /__emulator/faults`. */
export async function addFault(emulatorUrl: string, fault: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emulatorUrl}/__emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  })
  if (res.status >= 300) throw new Error(`fault refused: ${res.status} ${await res.text()}`)
}

/** The blocks of one document as the emulator holds them. */
export async function documentBlocks(emulatorUrl: string, docId: string): Promise<EmulatorBlock[]> {
  const doc = (await emulatorState(emulatorUrl)).documents.find((d) => d.docId === docId)
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

/** A PNG of `width`×`height` pixels with a colour derived from `seed`. */
export async function makePng(seed = 1, width = 8, height = 8): Promise<Buffer> {
  const channel = (n: number) => (seed * n) % 256
  return sharp({ create: { width, height, channels: 3, background: { r: channel(37), g: channel(91), b: channel(53) } } })
    .png()
    .toBuffer()
}

/** A tiny but real PDF (enough for type sniffing; readers would open it). */
export function makePdf(title = 'Report'): Buffer {
  return Buffer.from(
    `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n` +
      `% ${title}\ntrailer<</Root 1 0 R>>\n%%EOF\n`,
  )
}

/** Editable and read-only (unionId, userId) pairs for a document, from the emulator's roles. */
export function rolesOf(state: EmulatorStateView, docId: string): Record<string, string> {
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
