/**
 * The emulator's mutable world: the seeded organisation (users, knowledge bases, nodes, roles,
 * blocks), tokens, auth codes and uploaded resources. Routes read and change it only through
 * these methods, and `/__emulator/state` is a snapshot of it (README).
 */
import type { PermissionRole } from '../dingtalk/schemas'
import type { Clock } from './clock'
import { randomBlockId, randomToken, stableBlockId } from './ids'
import { createSeedOrg, nodeUrl, type SeedNode, type SeedUser, type SeedWorkspace } from './seed'

/** App tokens live 7200 s (docs/dingtalk.md#access-token). */
const TOKEN_TTL_SECONDS = 7200
/** H5 auth codes live 5 minutes and are single-use (docs/dingtalk.md#silent-login). */
const AUTH_CODE_TTL_MS = 5 * 60_000

/** Which endpoint minted a token: `/v1.0/oauth2/accessToken` (app) or oapi `/gettoken` (legacy). */
export type TokenKind = 'app' | 'legacy'

export type User = SeedUser
export type Workspace = SeedWorkspace
/** A block as stored: the element as inserted plus its `id` (its `index` is its position). */
export type StoredBlockData = Record<string, unknown> & { id: string }
export interface Node extends Omit<SeedNode, 'blocks'> {
  blocks: StoredBlockData[]
}

export interface Resource {
  resourceId: string
  docId: string
  resourceUrl: string
  mediaType: string
  size: number
  resourceName: string
  /** unionId of the person who asked for the upload slot. */
  operatorId: string
  /** Unix seconds after which the upload URL is refused. */
  expires: number
  uploaded: boolean
  /** Where the committed bytes are, once uploaded. */
  filePath: string | null
}

/** The `/__emulator/state` body (README "Control API", exactly these fields). */
export interface EmulatorStateSnapshot {
  users: Array<{ userId: string; unionId: string; name: string }>
  documents: Array<{
    docId: string
    name: string
    workspaceId: string
    url: string
    roles: Record<string, 'OWNER' | 'MANAGER' | 'EDITOR' | 'READER'>
    blocks: Array<Record<string, unknown>>
  }>
  resources: Array<Pick<Resource, 'resourceId' | 'docId' | 'resourceUrl' | 'mediaType' | 'size' | 'resourceName' | 'uploaded'>>
}

const EDIT_ROLES: ReadonlySet<PermissionRole> = new Set(['OWNER', 'MANAGER', 'EDITOR'])
const READ_ROLES: ReadonlySet<PermissionRole> = new Set(['OWNER', 'MANAGER', 'EDITOR', 'DOWNLOADER', 'READER'])

/** Whether a role may change a document (GetResourceUploadInfo, inserting: README). */
export function canEdit(role: PermissionRole): boolean {
  return EDIT_ROLES.has(role)
}

/** Whether a role may see a node at all. */
export function canRead(role: PermissionRole): boolean {
  return READ_ROLES.has(role)
}

/** The stored block as DocBlocksQuery returns it: the element plus `id` and `index`. */
export function blockView(block: StoredBlockData, index: number): Record<string, unknown> {
  const { id, ...element } = block
  return { ...element, id, index }
}

export class EmulatorState {
  users = new Map<string, User>()
  private usersById = new Map<string, User>()
  workspaces = new Map<string, Workspace>()
  nodes = new Map<string, Node>()
  private childIds = new Map<string, string[]>()
  resources = new Map<string, Resource>()
  private authCodes = new Map<string, { userId: string; expiresAt: number }>()
  /** Every token ever issued → its expiry and kind, so an expired token can be told from a forged one. */
  private tokens = new Map<string, { expiresAt: number; kind: TokenKind }>()
  private currentTokens: Record<TokenKind, string | null> = { app: null, legacy: null }

  constructor(readonly clock: Clock) {
    this.loadSeed()
  }

  /**
   * Restores the seeded organisation: roles, blocks and edits as seeded; resources, auth codes
   * forgotten. Issued tokens stay valid: they belong to the app, not to the seed, and a running
   * server keeps its cached token across test resets.
   */
  reset(): void {
    this.loadSeed()
  }

  private loadSeed(): void {
    const org = createSeedOrg()
    this.users = new Map(org.users.map((u) => [u.unionId, u]))
    this.usersById = new Map(org.users.map((u) => [u.userId, u]))
    this.workspaces = new Map(org.workspaces.map((w) => [w.workspaceId, w]))
    this.nodes = new Map()
    this.childIds = new Map()
    for (const seed of org.nodes) {
      const blocks = seed.blocks.map((b, i) => ({ ...b, id: stableBlockId(`${seed.nodeId}:${i}`) }))
      this.nodes.set(seed.nodeId, { ...seed, blocks })
      if (seed.parentId) {
        const siblings = this.childIds.get(seed.parentId) ?? []
        siblings.push(seed.nodeId)
        this.childIds.set(seed.parentId, siblings)
      }
    }
    this.resources = new Map()
    this.authCodes = new Map()
  }

  // ---- people ---------------------------------------------------------------

  userByUnionId(unionId: string): User | undefined {
    return this.users.get(unionId)
  }

  // ---- tokens ---------------------------------------------------------------

  /**
   * The app's access token of `kind`. A call inside the TTL returns the same token and extends its
   * life (https://open.dingtalk.com/document/development/obtain-the-access-token-of-an-internal-app);
   * after expiry a new one is minted. Tokens of the two kinds are distinct values.
   */
  issueToken(kind: TokenKind = 'app'): { accessToken: string; expireIn: number } {
    const now = this.clock.now()
    const current = this.currentTokens[kind]
    const expiresAt = now + TOKEN_TTL_SECONDS * 1000
    if (current && (this.tokens.get(current)?.expiresAt ?? 0) > now) {
      this.tokens.set(current, { expiresAt, kind })
      return { accessToken: current, expireIn: TOKEN_TTL_SECONDS }
    }
    const token = randomToken()
    this.tokens.set(token, { expiresAt, kind })
    this.currentTokens[kind] = token
    return { accessToken: token, expireIn: TOKEN_TTL_SECONDS }
  }

  /** Judges a presented token on the clock; with `only`, a token of another kind is `wrongKind`. */
  checkToken(token: string | undefined, only?: TokenKind): 'ok' | 'missing' | 'unknown' | 'expired' | 'wrongKind' {
    if (!token) return 'missing'
    const entry = this.tokens.get(token)
    if (entry === undefined) return 'unknown'
    if (only !== undefined && entry.kind !== only) return 'wrongKind'
    return entry.expiresAt > this.clock.now() ? 'ok' : 'expired'
  }

  // ---- jsapi ticket ---------------------------------------------------------

  private jsapiTicket: { ticket: string; expiresAt: number } | null = null

  /**
   * The app's jsapi ticket: the same value until it expires (7200 s), as DingTalk keeps one ticket
   * per app (docs/dingtalk.md#jsapi-ticket); a call inside the TTL does not extend it.
   */
  currentJsapiTicket(): { ticket: string; expiresIn: number } {
    const now = this.clock.now()
    if (!this.jsapiTicket || this.jsapiTicket.expiresAt <= now) {
      this.jsapiTicket = { ticket: randomToken(), expiresAt: now + TOKEN_TTL_SECONDS * 1000 }
    }
    return { ticket: this.jsapiTicket.ticket, expiresIn: Math.ceil((this.jsapiTicket.expiresAt - now) / 1000) }
  }

  // ---- auth codes -----------------------------------------------------------

  /** A fresh single-use auth code for a seeded user, or null if there is no such user. */
  createAuthCode(userId: string): string | null {
    if (!this.usersById.has(userId)) return null
    const now = this.clock.now()
    for (const [code, entry] of this.authCodes) if (entry.expiresAt <= now) this.authCodes.delete(code)
    const code = randomToken()
    this.authCodes.set(code, { userId, expiresAt: now + AUTH_CODE_TTL_MS })
    return code
  }

  /** Spends an auth code: the person it was minted for, or null if unknown, used or expired. */
  consumeAuthCode(code: string): User | null {
    const entry = this.authCodes.get(code)
    if (!entry) return null
    this.authCodes.delete(code)
    if (entry.expiresAt <= this.clock.now()) return null
    return this.usersById.get(entry.userId) ?? null
  }

  // ---- nodes, roles -----------------------------------------------------------

  /** The children of a node in display order. */
  children(nodeId: string): Node[] {
    return (this.childIds.get(nodeId) ?? []).flatMap((id) => this.nodes.get(id) ?? [])
  }

  /** An ALIDOC document by its docId/dentryUuid (the only nodes the doc APIs accept). */
  document(docId: string): Node | undefined {
    const node = this.nodes.get(docId)
    return node && node.category === 'ALIDOC' ? node : undefined
  }

  /** Every document, in seed order. */
  documents(): Node[] {
    return [...this.nodes.values()].filter((n) => n.category === 'ALIDOC')
  }

  /**
   * A person's effective role on a node: the nearest override on the node or an ancestor folder,
   * else their role in the knowledge base, else NONE.
   */
  roleOf(nodeId: string, unionId: string): PermissionRole {
    for (let node = this.nodes.get(nodeId); node; node = node.parentId ? this.nodes.get(node.parentId) : undefined) {
      const role = node.roles[unionId]
      if (role) return role
      if (!node.parentId) break
    }
    const node = this.nodes.get(nodeId)
    const workspace = node ? this.workspaces.get(node.workspaceId) : undefined
    return workspace?.roles[unionId] ?? 'NONE'
  }

  /** A person's role in a knowledge base. */
  workspaceRole(workspaceId: string, unionId: string): PermissionRole {
    return this.workspaces.get(workspaceId)?.roles[unionId] ?? 'NONE'
  }

  // ---- blocks -----------------------------------------------------------------

  /**
   * Inserts a root block at `position` (0 = first) and records the edit.
   * Returns the stored block with its new id.
   */
  insertBlock(doc: Node, element: Record<string, unknown>, position: number, operatorId: string): StoredBlockData {
    const block: StoredBlockData = { ...element, id: randomBlockId() }
    doc.blocks.splice(position, 0, block)
    this.recordEdit(doc, operatorId)
    return block
  }

  /** Records that `operatorId` edited `doc` now (feeds GetRecentEditDocs and modified times). */
  recordEdit(doc: Node, operatorId: string): void {
    const now = this.clock.now()
    doc.edits[operatorId] = now
    doc.modifiedTime = now
    const user = this.users.get(operatorId)
    if (user) doc.modifierUserId = user.userId
  }

  // ---- resources --------------------------------------------------------------

  /** A resource registered for a document, uploaded or not. */
  resourceOfDoc(docId: string, resourceId: string): Resource | undefined {
    const resource = this.resources.get(resourceId)
    return resource && resource.docId === docId ? resource : undefined
  }

  /** The uploaded resource of `docId` whose resourceUrl is `url`, if any. */
  uploadedResourceByUrl(docId: string, url: string): Resource | undefined {
    for (const resource of this.resources.values()) {
      if (resource.docId === docId && resource.resourceUrl === url && resource.uploaded) return resource
    }
    return undefined
  }

  // ---- snapshot ---------------------------------------------------------------

  /** Everything `/__emulator/state` shows, in the README's shape. */
  snapshot(): EmulatorStateSnapshot {
    const users = [...this.users.values()].map(({ userId, unionId, name }) => ({ userId, unionId, name }))
    const documents = this.documents().map((doc) => {
      const roles: Record<string, 'OWNER' | 'MANAGER' | 'EDITOR' | 'READER'> = {}
      for (const user of this.users.values()) {
        const role = this.roleOf(doc.nodeId, user.unionId)
        if (role === 'OWNER' || role === 'MANAGER' || role === 'EDITOR' || role === 'READER') roles[user.unionId] = role
        else if (role === 'DOWNLOADER') roles[user.unionId] = 'READER'
      }
      return {
        docId: doc.nodeId,
        name: doc.name,
        workspaceId: doc.workspaceId,
        url: nodeUrl(doc.nodeId),
        roles,
        blocks: doc.blocks.map((b, i) => blockView(b, i)),
      }
    })
    const resources = [...this.resources.values()].map((r) => ({
      resourceId: r.resourceId,
      docId: r.docId,
      resourceUrl: r.resourceUrl,
      mediaType: r.mediaType,
      size: r.size,
      resourceName: r.resourceName,
      uploaded: r.uploaded,
    }))
    return { users, documents, resources }
  }
}
