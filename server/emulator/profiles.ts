/**
 * Answer profiles: how generously the emulator answers, chosen at start (`EMULATOR_PROFILE`, or
 * the `profile` option). The stored document is the same in every profile; only what the block
 * and list APIs show of it changes. See README "Answer profiles" for the public sources.
 *
 * - `rich` (default): blocks with their inline `children`, inserts echo the whole stored block,
 *   empty lists are `[]`.
 * - `documented`: only what DingTalk's documentation and SDK models promise.
 * - `minimal`: `documented`, and DocInsertBlocks / DocAppendParagraph answer a bare `{"success":true}`.
 */
import { DOCUMENTED_BLOCK_TYPES as DOCUMENTED_BLOCK_TYPES_LIST } from '../dingtalk/schemas'
import { blockText } from './html-view'
import { blockView, type StoredBlockData } from './state'

export const PROFILES = ['rich', 'documented', 'minimal'] as const
export type Profile = (typeof PROFILES)[number]

/** Which tokens oapi (`/topapi/...`) accepts: any app token, or only `/gettoken` ones. */
export const OAPI_TOKEN_MODES = ['any', 'legacy'] as const
export type OapiTokenMode = (typeof OAPI_TOKEN_MODES)[number]

/**
 * The BlockType vocabulary of the public block data structure
 * (https://open.dingtalk.com/document/development/block-data-structure). Anything else, such as the
 * `attachment` block DingTalk's own tools write, reads back as `"Undefined"` in `documented`.
 */
export const DOCUMENTED_BLOCK_TYPES: ReadonlySet<string> = new Set(DOCUMENTED_BLOCK_TYPES_LIST)

/** Blocks whose children are inline elements: their properties carry `text` instead. */
const TEXT_BLOCKS: ReadonlySet<string> = new Set(['paragraph', 'heading', 'blockquote', 'orderedList', 'unorderedList'])

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A block as the documentation shows it: `id`, `index`, `blockType` and the type's properties, no
 * `children`. A text block's properties carry `text`, the text of its inline children (an
 * image-only paragraph reads `""`). A type outside the documented vocabulary is `"Undefined"`.
 */
export function documentedBlockView(block: StoredBlockData, index: number): Record<string, unknown> {
  const type = typeof block['blockType'] === 'string' ? block['blockType'] : ''
  if (!DOCUMENTED_BLOCK_TYPES.has(type)) return { blockType: 'Undefined', id: block.id, index }
  const props = isObject(block[type]) ? { ...(block[type] as Record<string, unknown>) } : {}
  if (TEXT_BLOCKS.has(type)) props['text'] = blockText(block)
  return { blockType: type, [type]: props, id: block.id, index }
}

/** A root block as DocBlocksQuery answers it in `profile`. */
export function queriedBlock(profile: Profile, block: StoredBlockData, index: number): Record<string, unknown> {
  return profile === 'rich' ? blockView(block, index) : documentedBlockView(block, index)
}

/** The body of a successful DocInsertBlocks in `profile`. */
export function insertAnswer(profile: Profile, block: StoredBlockData, index: number): Record<string, unknown> {
  if (profile === 'minimal') return { success: true }
  return { success: true, result: { data: queriedBlock(profile, block, index) } }
}

/** The body of a successful DocAppendParagraph in `profile` (`data` as the API page's example shows it). */
export function appendAnswer(profile: Profile, data: Record<string, unknown>): Record<string, unknown> {
  return profile === 'minimal' ? { success: true } : { success: true, result: { data } }
}

/**
 * `{[key]: items}`, or nothing when the list is empty outside `rich`: the SDK models declare every
 * list field optional, so an empty result may leave it out.
 */
export function listField<T>(profile: Profile, key: string, items: T[]): Record<string, T[]> {
  return profile !== 'rich' && items.length === 0 ? {} : { [key]: items }
}

/** One EMULATOR_ALLOWED_HOSTS entry: a host name or IPv4 address, or a bracketed IPv6 one, optionally with a port. */
const ALLOWED_HOST = /^(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/

/** EMULATOR_ALLOWED_HOSTS as a list (lower-case, empty entries dropped); throws naming the entries that are not hosts. */
export function parseAllowedHosts(raw: string | undefined): string[] {
  const hosts = (raw ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '')
  const bad = hosts.filter((h) => !ALLOWED_HOST.test(h))
  if (bad.length) throw new Error(`EMULATOR_ALLOWED_HOSTS must be a comma list of host names, got ${bad.map((b) => `"${b}"`).join(', ')}`)
  return hosts
}

/** Parses `EMULATOR_PROFILE` / `EMULATOR_OAPI_TOKEN` / `EMULATOR_ALLOWED_HOSTS`; unset or empty means the default. */
export function emulatorOptionsFromEnv(env: Record<string, string | undefined>): {
  profile: Profile
  oapiToken: OapiTokenMode
  allowedHosts: string[]
} {
  const rawProfile = env['EMULATOR_PROFILE'] || 'rich'
  const rawToken = env['EMULATOR_OAPI_TOKEN'] || 'any'
  const profile = PROFILES.find((p) => p === rawProfile)
  const oapiToken = OAPI_TOKEN_MODES.find((m) => m === rawToken)
  const problems: string[] = []
  if (!profile) problems.push(`EMULATOR_PROFILE must be one of ${PROFILES.join(', ')}, got "${rawProfile}"`)
  if (!oapiToken) problems.push(`EMULATOR_OAPI_TOKEN must be one of ${OAPI_TOKEN_MODES.join(', ')}, got "${rawToken}"`)
  let allowedHosts: string[] = []
  try {
    allowedHosts = parseAllowedHosts(env['EMULATOR_ALLOWED_HOSTS'])
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err))
  }
  if (!profile || !oapiToken || problems.length) throw new Error(problems.join('; '))
  return { profile, oapiToken, allowedHosts }
}
