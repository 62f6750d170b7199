/**
 * The one client of the emulator's control API (`/__emulator/*`, see server/emulator/README.md) and
 * its upload slot, for server tests, drills, the benchmark and e2e alike. It speaks HTTP, so the
 * emulator may live in this process or another. Its schemas are checked at compile time against
 * the emulator's own exported types: a changed emulator shape fails the type-check here first.
 */
import { z } from 'zod'
import type { EmulatorStateSnapshot } from '../server/emulator/index'
import type { FaultSpec } from '../server/emulator/faults'
import type { RequestLogEntry } from '../server/emulator/request-log'
import { expectStatus, httpRequest, parseJson } from './http'

const Role = z.enum(['OWNER', 'MANAGER', 'EDITOR', 'READER'])

/** An inline element or nested block as DocBlocksQuery returns it; only what tests read. */
export interface EmulatorNode {
  elementType?: string
  properties?: Record<string, unknown>
  text?: string
  children?: EmulatorNode[]
  [key: string]: unknown
}
const NodeSchema: z.ZodType<EmulatorNode> = z.lazy(() =>
  z
    .object({
      elementType: z.string().optional(),
      properties: z.record(z.string(), z.unknown()).optional(),
      text: z.string().optional(),
      children: z.array(NodeSchema).optional(),
    })
    .loose(),
)

/** A stored top-level block with its index, as DocBlocksQuery returns it, with its inline children. */
const BlockSchema = z
  .object({
    id: z.string(),
    index: z.number().int(),
    blockType: z.string(),
    paragraph: z.object({ text: z.string().optional() }).loose().optional(),
    attachment: z
      .object({ resourceId: z.string(), type: z.string(), name: z.string(), viewType: z.string().optional() })
      .loose()
      .optional(),
    children: z.array(NodeSchema).optional(),
  })
  .loose()
export type EmulatorBlock = z.infer<typeof BlockSchema>

/** One `resources` entry of `GET /__emulator/state`. */
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
        workspaceId: z.string(),
        url: z.string(),
        roles: z.record(z.string(), Role),
        blocks: z.array(BlockSchema),
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
        query: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
        status: z.number(),
        at: z.string(),
      })
      .loose(),
  ),
})
export type LoggedRequest = z.infer<typeof RequestLogSchema>['items'][number]

/**
 * Compiles only when what the schema parses is a value of the emulator's own type: every field the
 * emulator declares is parsed, with a compatible type. Blocks are refined further (the emulator types
 * them as open records), which this direction allows.
 */
type ParsesAs<Parsed extends Emulator, Emulator> = Parsed
type _StateIsTheEmulators = ParsesAs<EmulatorState, EmulatorStateSnapshot>
type _LogEntryIsTheEmulators = ParsesAs<LoggedRequest, RequestLogEntry>

/** A fault as `POST /__emulator/faults` takes it (the emulator's own type). */
export type { FaultSpec }

/** Default credentials of the emulated app (server/emulator/README.md). */
export const EMULATOR_APP = { appKey: 'ding-emulator-app', appSecret: 'emulator-secret' } as const

/** Client of the emulator's control API at `url` (`http://127.0.0.1:PORT`). */
export class EmulatorControl {
  constructor(readonly url: string) {}

  /** The whole state: users, documents with their blocks, resources. */
  async state(): Promise<EmulatorState> {
    const res = await httpRequest(`${this.url}/__emulator/state`)
    expectStatus(res, 200, 'GET /__emulator/state')
    return parseJson(res, EmulatorStateSchema, 'GET /__emulator/state')
  }

  /** DingTalk's call log, oldest first (no bodies). */
  async requests(): Promise<LoggedRequest[]> {
    const res = await httpRequest(`${this.url}/__emulator/requests`)
    expectStatus(res, 200, 'GET /__emulator/requests')
    return parseJson(res, RequestLogSchema, 'GET /__emulator/requests').items
  }

  /** Registers one fault; returns its id. */
  async addFault(fault: FaultSpec): Promise<string> {
    const res = await this.post('/__emulator/faults', fault)
    if (res.status !== 200 && res.status !== 201) expectStatus(res, 200, 'POST /__emulator/faults')
    return parseJson(res, z.object({ faultId: z.string() }), 'POST /__emulator/faults').faultId
  }

  /** Removes every fault. */
  async clearFaults(): Promise<void> {
    const res = await httpRequest(`${this.url}/__emulator/faults`, { method: 'DELETE' })
    if (res.status >= 300) expectStatus(res, 204, 'DELETE /__emulator/faults')
  }

  /** Back to the seed: users, documents, blocks; no resources, no faults, an empty call log. */
  async reset(): Promise<void> {
    const res = await this.post('/__emulator/reset', {})
    if (res.status >= 300) expectStatus(res, 200, 'POST /__emulator/reset')
    await this.clearFaults()
  }

  /** A fresh single-use authCode for the user, as DingTalk's requestAuthCode would give the page. */
  async authCode(userId: string): Promise<string> {
    const res = await this.post('/__emulator/auth-codes', { userId })
    if (res.status !== 200 && res.status !== 201) expectStatus(res, 200, 'POST /__emulator/auth-codes')
    return parseJson(res, z.object({ authCode: z.string() }), 'POST /__emulator/auth-codes').authCode
  }

  /** The app's current jsapi ticket (what fake DingTalk clients check a `dd.config` signature against). */
  async jsapiTicket(): Promise<string> {
    const res = await httpRequest(new URL('/__emulator/jsapi-ticket', this.url).toString())
    if (res.status !== 200) expectStatus(res, 200, 'GET /__emulator/jsapi-ticket')
    return parseJson(res, z.object({ ticket: z.string() }), 'GET /__emulator/jsapi-ticket').ticket
  }

  /** The stored bytes of an uploaded resource (its `resourceUrl` may be absolute or emulator-relative). */
  async resourceBytes(resourceUrl: string): Promise<Buffer> {
    const url = new URL(resourceUrl, this.url)
    const res = await httpRequest(url.toString())
    if (res.status < 200 || res.status >= 300) throw new Error(`GET ${url.pathname} → ${res.status}`)
    return res.body
  }

  private post(path: string, body: unknown) {
    return httpRequest(`${this.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  }
}

// One-call forms for code that holds only the emulator's URL (drills, the benchmark, route tests).

/** Reads the emulator's whole state (users, documents with blocks, resources). */
export const getState = (emulatorUrl: string): Promise<EmulatorState> => new EmulatorControl(emulatorUrl).state()
/** Reads the emulator's call log, oldest first. */
export const getRequests = (emulatorUrl: string): Promise<LoggedRequest[]> => new EmulatorControl(emulatorUrl).requests()
/** Registers one fault; returns its id. */
export const addFault = (emulatorUrl: string, fault: FaultSpec): Promise<string> => new EmulatorControl(emulatorUrl).addFault(fault)
/** Removes every fault. */
export const clearFaults = (emulatorUrl: string): Promise<void> => new EmulatorControl(emulatorUrl).clearFaults()
/** Restores the seeded state (documents, resources, faults, call log). */
export const resetEmulator = (emulatorUrl: string): Promise<void> => new EmulatorControl(emulatorUrl).reset()

/** A person and a document that person may insert into, found in the seeded state. */
export interface EditorAndDoc {
  userId: string
  unionId: string
  docId: string
}

/**
 * Every (user, document) pair where the user is OWNER, MANAGER or EDITOR, so drills do not
 * depend on seed names: the emulator only promises that such pairs exist (server/emulator/README.md).
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

/** Gets an app access token straight from the emulator (https://open.dingtalk.com/document/development/obtain-the-access-token-of-an-internal-app). */
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
 * https://open.dingtalk.com/document/development/api-getresourceuploadinfo): used to measure uploads without our server in between.
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
