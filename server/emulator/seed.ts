/**
 * The seeded organisation: users, knowledge bases, folders and documents with roles. Every id is
 * derived from a fixed name (ids.ts), so it is the same on every run and tests can name it through
 * `SEED`. `createSeedOrg()` hands the state a fresh, mutable copy (used again by
 * `POST /__emulator/reset`).
 */
import type { PermissionRole } from '../dingtalk/schemas'
import { stableId } from './ids'

/** Every doc/folder lives under this alidocs host, as real links do (docs/dingtalk.md#document-links). */
const ALIDOCS_ORIGIN = 'https://alidocs.dingtalk.com'

/** The alidocs link of a node: `https://alidocs.dingtalk.com/i/nodes/{dentryUuid}`. */
export function nodeUrl(nodeId: string): string {
  return `${ALIDOCS_ORIGIN}/i/nodes/${nodeId}`
}

/** The alidocs link of a knowledge base. */
export function workspaceUrl(workspaceId: string): string {
  return `${ALIDOCS_ORIGIN}/i/spaces/${workspaceId}/overview`
}

export interface SeedUser {
  userId: string
  unionId: string
  name: string
  /** getuserinfo `sys_level`: 1 main admin, 2 sub-admin, 100 boss, 0 other (docs/dingtalk.md#silent-login). */
  sysLevel: number
  deviceId: string
}

function user(userId: string, name: string, sysLevel: number): SeedUser {
  return {
    userId,
    unionId: stableId(`union:${userId}`, 27),
    name,
    sysLevel,
    deviceId: stableId(`device:${userId}`, 24).toLowerCase(),
  }
}

const USERS = {
  zhangwei: user('zhangwei', '张伟', 1),
  lina: user('lina', '李娜', 2),
  wangfang: user('wangfang', '王芳', 0),
  liuyang: user('liuyang', '刘洋', 100),
  chenjing: user('chenjing', '陈静', 0),
} as const
type UserKey = keyof typeof USERS

/** A block as stored and returned by DocBlocksQuery, without `id`/`index` (those are assigned). */
export type SeedBlock = Record<string, unknown>

export interface SeedWorkspace {
  workspaceId: string
  rootNodeId: string
  name: string
  type: 'TEAM' | 'PERSONAL'
  description: string
  creatorUserId: string
  createTime: number
  /** unionId → role for the whole knowledge base. */
  roles: Record<string, PermissionRole>
  iconEmoji: string
}

export interface SeedNode {
  nodeId: string
  workspaceId: string
  /** null only for a knowledge base's root folder. */
  parentId: string | null
  name: string
  type: 'FILE' | 'FOLDER'
  /** `ALIDOC` for documents (the only nodes the doc APIs accept). */
  category: 'ALIDOC' | 'DOCUMENT' | 'IMAGE' | 'OTHER' | null
  extension: string | null
  size: number | null
  creatorUserId: string
  createTime: number
  /** unionId → role overriding the knowledge base's role for this node and its descendants. */
  roles: Record<string, PermissionRole>
  blocks: SeedBlock[]
  /** unionId → last time that person edited the document (feeds GetRecentEditDocs). */
  edits: Record<string, number>
  modifierUserId: string
  modifiedTime: number
}

export interface SeedOrg {
  users: SeedUser[]
  workspaces: SeedWorkspace[]
  /** In display order: a parent's children appear in the order ListNodes returns them. */
  nodes: SeedNode[]
}

// ---- the tree, described compactly ----------------------------------------

type Roles = Partial<Record<UserKey, PermissionRole>>
interface DocSpec {
  kind: 'doc'
  key?: string
  name: string
  roles?: Roles
  blocks?: SeedBlock[]
  /** Who edited it, in order; the last one is the modifier. Default: the creator. */
  editors?: UserKey[]
}
interface FolderSpec {
  kind: 'folder'
  key?: string
  name: string
  roles?: Roles
  children: NodeSpec[]
}
interface FileSpec {
  kind: 'file'
  key?: string
  name: string
  extension: string
  category: 'DOCUMENT' | 'IMAGE' | 'OTHER'
  size: number
}
type NodeSpec = DocSpec | FolderSpec | FileSpec
interface WorkspaceSpec {
  key: string
  name: string
  description: string
  iconEmoji: string
  creator: UserKey
  roles: Roles
  children: NodeSpec[]
}

const doc = (name: string, extra: Omit<DocSpec, 'kind' | 'name'> = {}): DocSpec => ({ kind: 'doc', name, ...extra })
const folder = (name: string, children: NodeSpec[], extra: Omit<FolderSpec, 'kind' | 'name' | 'children'> = {}): FolderSpec => ({
  kind: 'folder',
  name,
  children,
  ...extra,
})
const heading = (text: string, level = 1): SeedBlock => ({ blockType: 'heading', heading: { level: `heading-${level}`, text } })
const paragraph = (text: string): SeedBlock => ({ blockType: 'paragraph', paragraph: { text } })

const meetingNotes: DocSpec[] = Array.from({ length: 55 }, (_, i) => {
  const n = String(i + 1).padStart(2, '0')
  return doc(`产品周会纪要 第${n}期`, {
    key: i === 0 ? 'meetingNote01' : undefined,
    editors: i % 2 === 0 ? ['lina', 'zhangwei'] : ['zhangwei', 'lina'],
    blocks: [heading(`产品周会纪要 第${n}期`), paragraph('参会人：张伟、李娜、刘洋')],
  })
})

const WORKSPACES: WorkspaceSpec[] = [
  {
    key: 'product',
    name: '产品研发中心',
    description: '产品需求、周报与会议纪要',
    iconEmoji: '🚀',
    creator: 'zhangwei',
    roles: { zhangwei: 'OWNER', liuyang: 'MANAGER', lina: 'EDITOR', wangfang: 'READER' },
    children: [
      doc('项目周报', {
        key: 'weeklyReport',
        editors: ['zhangwei', 'lina'],
        blocks: [
          heading('项目周报'),
          paragraph('本周进展：完成移动端上传流程联调。'),
          heading('下周计划', 2),
          paragraph('灰度发布并收集一线反馈。'),
        ],
      }),
      // Two editors (张伟 OWNER via the knowledge base, 李娜 EDITOR); read-only for 王芳 and 刘洋.
      doc('现场照片记录', {
        key: 'sitePhotos',
        roles: { liuyang: 'READER' },
        editors: ['lina'],
        blocks: [heading('现场照片记录'), paragraph('请在下方添加现场照片，并注明拍摄位置。')],
      }),
      folder(
        '需求文档',
        [
          folder(
            '2026 Q3',
            [
              doc('Q3 Release Plan', {
                key: 'releasePlan',
                roles: { wangfang: 'EDITOR' },
                editors: ['zhangwei', 'wangfang'],
                blocks: [heading('Q3 Release Plan'), paragraph('Milestones and owners for the third quarter.')],
              }),
              doc('需求评审清单', { editors: ['liuyang'] }),
              doc('Mobile Upload Spec', { key: 'uploadSpec', editors: ['lina'] }),
            ],
            { key: 'q3' },
          ),
          folder('归档', [folder('2025', [doc('2025 年度总结', { key: 'annualReview', editors: ['zhangwei'] })], { key: 'archive2025' })], {
            key: 'archive',
          }),
          doc('需求模板', { editors: ['zhangwei'] }),
        ],
        { key: 'requirements' },
      ),
      folder('会议纪要', meetingNotes, { key: 'meetings' }),
      { kind: 'file', key: 'designPdf', name: '设计稿.pdf', extension: 'pdf', category: 'DOCUMENT', size: 482_113 },
    ],
  },
  {
    key: 'marketing',
    name: '市场部资料',
    description: '品牌与活动资料',
    iconEmoji: '📣',
    creator: 'wangfang',
    roles: { wangfang: 'OWNER', chenjing: 'EDITOR', zhangwei: 'READER' },
    children: [
      doc('品牌手册', {
        key: 'brandGuide',
        editors: ['wangfang', 'chenjing'],
        blocks: [heading('品牌手册'), paragraph('Logo 使用规范与品牌色。')],
      }),
      folder(
        '活动策划',
        [
          folder('2026 春季活动', [doc('春季活动方案', { editors: ['chenjing'] }), doc('Campaign Budget', { editors: ['wangfang'] })], {
            key: 'spring2026',
          }),
        ],
        { key: 'campaigns' },
      ),
      doc('媒体联系人', { editors: ['chenjing'] }),
    ],
  },
  {
    key: 'hr',
    name: '行政与人事',
    description: '制度、流程与表单',
    iconEmoji: '📋',
    creator: 'liuyang',
    roles: { liuyang: 'OWNER', zhangwei: 'READER', lina: 'READER', wangfang: 'READER', chenjing: 'READER' },
    children: [
      doc('员工手册', { key: 'hrHandbook', editors: ['liuyang'], blocks: [heading('员工手册'), paragraph('欢迎加入！')] }),
      doc('请假流程', { editors: ['liuyang'] }),
      // Visible to 刘洋 only.
      doc('薪酬方案', {
        key: 'salaryPlan',
        roles: { zhangwei: 'NONE', lina: 'NONE', wangfang: 'NONE', chenjing: 'NONE' },
        editors: ['liuyang'],
      }),
    ],
  },
]

const PERSONAL_DOCS: Record<UserKey, DocSpec[]> = {
  zhangwei: [doc('我的笔记', { key: 'personalNotes', blocks: [paragraph('待办：整理现场照片。')] }), doc('Travel Checklist')],
  lina: [doc('读书笔记')],
  wangfang: [doc('工作计划')],
  liuyang: [doc('面试记录')],
  chenjing: [doc('日报草稿')],
}

// ---- building --------------------------------------------------------------

/** All seed timestamps count from here (a fixed instant, so the seed is deterministic). */
const SEED_EPOCH = Date.UTC(2026, 8, 1, 1, 0)
const HOUR = 3_600_000

interface Named {
  nodeId: string
  name: string
  url: string
}
interface NamedDoc extends Named {
  docId: string
  workspaceId: string
}
interface NamedWorkspace {
  workspaceId: string
  rootNodeId: string
  name: string
}

function roleMap(roles: Roles | undefined): Record<string, PermissionRole> {
  const out: Record<string, PermissionRole> = {}
  for (const [key, role] of Object.entries(roles ?? {})) {
    if (role) out[USERS[key as UserKey].unionId] = role
  }
  return out
}

function build(): {
  org: SeedOrg
  workspaces: Record<string, NamedWorkspace>
  personal: Record<UserKey, NamedWorkspace>
  folders: Record<string, Named>
  docs: Record<string, NamedDoc>
  files: Record<string, Named>
} {
  const org: SeedOrg = { users: Object.values(USERS), workspaces: [], nodes: [] }
  const workspaces: Record<string, NamedWorkspace> = {}
  const personal = {} as Record<UserKey, NamedWorkspace>
  const folders: Record<string, Named> = {}
  const docs: Record<string, NamedDoc> = {}
  const files: Record<string, Named> = {}
  let tick = 0

  const addNodes = (specs: NodeSpec[], workspaceId: string, parentId: string, path: string, creator: UserKey) => {
    for (const spec of specs) {
      tick += 1
      const nodePath = `${path}/${spec.name}`
      const nodeId = stableId(`node:${nodePath}`)
      const createTime = SEED_EPOCH + tick * HOUR
      const editors = spec.kind === 'doc' ? (spec.editors ?? [creator]) : [creator]
      const edits: Record<string, number> = {}
      editors.forEach((key, i) => {
        edits[USERS[key].unionId] = createTime + (i + 1) * 10 * 60_000
      })
      const lastEditor = editors[editors.length - 1] ?? creator
      const node: SeedNode = {
        nodeId,
        workspaceId,
        parentId,
        name: spec.name,
        type: spec.kind === 'folder' ? 'FOLDER' : 'FILE',
        category: spec.kind === 'doc' ? 'ALIDOC' : spec.kind === 'file' ? spec.category : null,
        extension: spec.kind === 'doc' ? 'adoc' : spec.kind === 'file' ? spec.extension : null,
        size: spec.kind === 'file' ? spec.size : null,
        creatorUserId: USERS[creator].userId,
        createTime,
        roles: spec.kind === 'file' ? {} : roleMap(spec.roles),
        blocks: spec.kind === 'doc' ? (spec.blocks ?? []) : [],
        edits: spec.kind === 'doc' ? edits : {},
        modifierUserId: USERS[lastEditor].userId,
        modifiedTime: spec.kind === 'doc' ? Math.max(...Object.values(edits)) : createTime,
      }
      org.nodes.push(node)
      const named = { nodeId, name: spec.name, url: nodeUrl(nodeId) }
      if (spec.kind === 'folder') {
        if (spec.key) folders[spec.key] = named
        addNodes(spec.children, workspaceId, nodeId, nodePath, creator)
      } else if (spec.kind === 'doc') {
        if (spec.key) docs[spec.key] = { ...named, docId: nodeId, workspaceId }
      } else if (spec.key) {
        files[spec.key] = named
      }
    }
  }

  const addWorkspace = (
    key: string,
    name: string,
    type: 'TEAM' | 'PERSONAL',
    description: string,
    iconEmoji: string,
    creator: UserKey,
    roles: Roles,
    children: NodeSpec[],
  ): NamedWorkspace => {
    const workspaceId = stableId(`workspace:${key}`, 24)
    const rootNodeId = stableId(`root:${key}`)
    tick += 1
    const createTime = SEED_EPOCH + tick * HOUR
    org.workspaces.push({
      workspaceId,
      rootNodeId,
      name,
      type,
      description,
      creatorUserId: USERS[creator].userId,
      createTime,
      roles: roleMap(roles),
      iconEmoji,
    })
    org.nodes.push({
      nodeId: rootNodeId,
      workspaceId,
      parentId: null,
      name,
      type: 'FOLDER',
      category: null,
      extension: null,
      size: null,
      creatorUserId: USERS[creator].userId,
      createTime,
      roles: {},
      blocks: [],
      edits: {},
      modifierUserId: USERS[creator].userId,
      modifiedTime: createTime,
    })
    addNodes(children, workspaceId, rootNodeId, key, creator)
    return { workspaceId, rootNodeId, name }
  }

  for (const ws of WORKSPACES) {
    workspaces[ws.key] = addWorkspace(ws.key, ws.name, 'TEAM', ws.description, ws.iconEmoji, ws.creator, ws.roles, ws.children)
  }
  for (const key of Object.keys(USERS) as UserKey[]) {
    personal[key] = addWorkspace(`personal-${key}`, '我的文档', 'PERSONAL', '', '📁', key, { [key]: 'OWNER' }, PERSONAL_DOCS[key])
  }
  return { org, workspaces, personal, folders, docs, files }
}

const BUILT = build()

/**
 * Named seed ids for tests and the README. Roles (knowledge base → override):
 * - 产品研发中心: 张伟 OWNER, 刘洋 MANAGER, 李娜 EDITOR, 王芳 READER, 陈静 none.
 *   `docs.sitePhotos`: 刘洋 READER (so: two editors 张伟 + 李娜; read-only for 王芳 and 刘洋).
 *   `docs.releasePlan`: 王芳 EDITOR.
 * - 市场部资料: 王芳 OWNER, 陈静 EDITOR, 张伟 READER (`docs.brandGuide` is read-only for 张伟).
 * - 行政与人事: 刘洋 OWNER, everyone else READER; `docs.salaryPlan` is visible to 刘洋 only.
 * - Each person's 我的文档 (`personal.<user>`) is theirs alone.
 */
export const SEED = {
  users: USERS,
  workspaces: BUILT.workspaces as Record<'product' | 'marketing' | 'hr', NamedWorkspace>,
  personal: BUILT.personal,
  folders: BUILT.folders as Record<'requirements' | 'q3' | 'archive' | 'archive2025' | 'meetings' | 'campaigns' | 'spring2026', Named>,
  docs: BUILT.docs as Record<
    | 'weeklyReport'
    | 'sitePhotos'
    | 'releasePlan'
    | 'uploadSpec'
    | 'annualReview'
    | 'meetingNote01'
    | 'brandGuide'
    | 'hrHandbook'
    | 'salaryPlan'
    | 'personalNotes',
    NamedDoc
  >,
  files: BUILT.files as Record<'designPdf', Named>,
  /** How many ALIDOC documents the seed holds (pagination tests rely on there being many). */
  documentCount: BUILT.org.nodes.filter((n) => n.category === 'ALIDOC').length,
  /** Documents directly in `folders.meetings` (more than one ListNodes page of 50). */
  meetingNoteCount: meetingNotes.length,
} as const

/** A fresh deep copy of the seeded organisation for the state to own and mutate. */
export function createSeedOrg(): SeedOrg {
  return structuredClone(BUILT.org)
}
