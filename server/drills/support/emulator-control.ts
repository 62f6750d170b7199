/**
 * The emulator's control API (DESIGN.md §4, `/__emulator/*`) and its upload slot, as drills and
 * the benchmark use them over HTTP: they run against an emulator that may live in another process.
 */
import { z } from 'zod'
import type { FaultSpec } from '../../emulator/faults'
import { expectStatus, httpRequest, parseJson } from './http'

const Role = z.enum(['OWNER', 'MANAGER', 'EDITOR', 'READER'])

/** An inline element or nested block as DocBlocksQuery returns it; only what drills read. */
export interface EmulatorNode {
  elementType?: string
  properties?: Record<string, unknown>
  children?: EmulatorNode[]
  [key: string]: unknown
}
const NodeSchema: z.ZodType<EmulatorNode> = z.lazy(() =>
  z
    .object({
      elementType: z.string().optional(),
      properties: z.record(z.string(), z.unknown()).optional(),
      children: z.array(NodeSchema).optional(),
    })
    .loose(),
)

/** One `resources` entry of `GET /__emulator/state` (DESIGN.md §4). */
export const EmulatorResourceSchema = z
  .object({
    resourceId: z.string(),
    docId: z.string(),
    resourceUrl: z.string(),
    mediaType: z.string(),
    size: z.number(),
    resourceName: z.string(),
    uploaded: z.boolean(),
  })
  .loose()

export const EmulatorStateSchema = z.object({
  users: z.array(z.object({ userId: z.string(), unionId: z.string(), name: z.string() }).loose()),
  documents: z.array(
    z
      .object({
        docId: z.string(),
        name: z.string(),
        roles: z.record(z.string(), Role),
        blocks: z.array(NodeSchema),
      })
      .loose(),
  ),
  resources: z.array(EmulatorResourceSchema),
})
export type EmulatorState = z.infer<typeof EmulatorStateSchema>

export const RequestLogSchema = z.object({
  items: z.array(
    z
      .object({
        method: z.string(),
        path: z.string(),
        query: z.record(z.string(), z.unknown()).optional(),
        status: z.number(),
        at: z.union([z.string(), z.number()]).optional(),
      })
      .loose(),
  ),
})
export type LoggedRequest = z.infer<typeof RequestLogSchema>['items'][number]

/** A fault as `POST /__emulator/faults` takes it (DESIGN.md §4): the emulator's own type. */
export type { FaultSpec }

/** Default credentials of the emulated app (TEAM.md "Emulator programmatic API"). */
export const EMULATOR_APP = { appKey: 'ding-emulator-app', appSecret: 'emulator-secret' } as const

/** Reads the emulator's whole state (users, documents with blocks, resources). */
export async function getState(emulatorUrl: string): Promise<EmulatorState> {
  const res = await httpRequest(`${emulatorUrl}/__emulator/state`)
  expectStatus(res, 200, 'GET /__emulator/state')
  return parseJson(res, EmulatorStateSchema, 'GET /__emulator/state')
}

/** Reads the emulator's call log, oldest first. */
export async function getRequests(emulatorUrl: string): Promise<LoggedRequest[]> {
  const res = await httpRequest(`${emulatorUrl}/__emulator/requests`)
  expectStatus(res, 200, 'GET /__emulator/requests')
  return parseJson(res, RequestLogSchema, 'GET /__emulator/requests').items
}

/** Registers one fault; returns its id. */
export async function addFault(emulatorUrl: string, fault: FaultSpec): Promise<string> {
  const res = await httpRequest(`${emulatorUrl}/__emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  })
  if (res.status !== 200 && res.status !== 201) expectStatus(res, 200, 'POST /__emulator/faults')
  return parseJson(res, z.object({ faultId: z.string() }), 'POST /__emulator/faults').faultId
}

/** Removes every fault. */
export async function clearFaults(emulatorUrl: string): Promise<void> {
  const res = await httpRequest(`${emulatorUrl}/__emulator/faults`, { method: 'DELETE' })
  if (res.status >= 300) expectStatus(res, 204, 'DELETE /__emulator/faults')
}

/** Restores the seeded state (documents, resources, faults, call log). */
export async function resetEmulator(emulatorUrl: string): Promise<void> {
  const res = await httpRequest(`${emulatorUrl}/__emulator/reset`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  })
  if (res.status >= 300) expectStatus(res, 200, 'POST /__emulator/reset')
}

/** A person and a document that person may insert into, found in the seeded state. */
export interface EditorAndDoc {
  userId: string
  unionId: string
  docId: string
}

/**
 * Every (user, document) pair where the user is OWNER, MANAGER or EDITOR, so drills do not
 * depend on seed names: DESIGN.md §4 only promises that such pairs exist.
 */
export function editablePairs(state: EmulatorState): EditorAndDoc[] {
  const pairs: EditorAndDoc[] = []
  for (const doc of state.documents) {
    for (const user of state.users) {
      const role = doc.roles[user.unionId]
      if (role === 'OWNER' || role === 'MANAGER' || role === 'EDITOR') {
        pairs.push({ userId: user.userId, unionId: user.unionId, docId: doc.docId })
      }
    }
  }
  if (pairs.length === 0) throw new Error('the emulator seed has no editable document')
  return pairs
}

/** The image `src`s of a document in reading order (top-level blocks and their inline children). */
export function imageSources(state: EmulatorState, docId: string): string[] {
  const doc = state.documents.find((d) => d.docId === docId)
  if (!doc) throw new Error(`document ${docId} is not in the emulator state`)
  const out: string[] = []
  const walk = (node: EmulatorNode): void => {
    const src = node.properties?.['src']
    if (node.elementType === 'image' && typeof src === 'string') out.push(src)
    for (const child of node.children ?? []) walk(child)
  }
  for (const block of doc.blocks) walk(block)
  return out
}

/** Gets an app access token straight from the emulator (dingtalk-open-api.md §2.1). */
export async function emulatorAccessToken(emulatorUrl: string): Promise<string> {
  const res = await httpRequest(`${emulatorUrl}/v1.0/oauth2/accessToken`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(EMULATOR_APP),
  })
  expectStatus(res, 200, 'POST /v1.0/oauth2/accessToken')
  return parseJson(res, z.object({ accessToken: z.string() }), 'accessToken').accessToken
}

/**
 * Asks the emulator for an upload slot directly, as our server would (GetResourceUploadInfo,
 * dingtalk-open-api.md §4.1): used to measure uploads without our server in between.
 */
export async function requestUploadSlot(
  emulatorUrl: string,
  token: string,
  docId: string,
  operatorId: string,
  req: { size: number; mediaType: string; resourceName: string },
): Promise<{ uploadUrl: string; resourceId: string; resourceUrl: string }> {
  const url = `${emulatorUrl}/v1.0/doc/docs/resources/${encodeURIComponent(docId)}/uploadInfos/query?operatorId=${encodeURIComponent(operatorId)}`
  const res = await httpRequest(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': token },
    body: JSON.stringify(req),
  })
  expectStatus(res, 200, 'uploadInfos/query')
  const schema = z.object({ result: z.object({ uploadUrl: z.string(), resourceId: z.string(), resourceUrl: z.string() }) })
  const { result } = parseJson(res, schema, 'uploadInfos/query')
  // The emulator may hand out a relative or host-less URL; resolve it against the emulator origin.
  return { ...result, uploadUrl: new URL(result.uploadUrl, emulatorUrl).toString() }
}

/** DingTalk open-API paths (what DingTalk bills), as opposed to the upload URL, the control API or the token. */
export function isBilledApiCall(req: LoggedRequest): boolean {
  if (req.path.startsWith('/__emulator/')) return false
  if (req.path === '/v1.0/oauth2/accessToken' || req.path === '/gettoken') return false
  return /^\/(v1\.0|v2\.0|topapi)\//.test(req.path)
}
