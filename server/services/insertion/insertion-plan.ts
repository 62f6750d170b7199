/**
 * What a batch writes, step by step, and how to recognise a step's block when reading the document
 * back (docs/architecture.md "Exactly-once insertion"). A step is one DocInsertBlocks: the block of a
 * unit (one photo, a file, or with `together` a run of photos sharing a paragraph) or its caption.
 */
import type { Layout } from '@contract/api'
import type { BlockElement, InlineElement, StoredBlock } from '../../dingtalk/types'
import type { ResourceClaims } from '../upload/resource-token'

/** One item of a batch, its token already verified. */
export interface InsertionItem {
  resource: ResourceClaims
  caption?: string
}

export interface Step {
  /** Items this step belongs to (several for a `together` paragraph). */
  items: number[]
  part: 'block' | 'caption'
  kind: 'image' | 'file'
  /** For a caption: its text. */
  text: string
}

/** Steps in document order: each unit's block, then its caption if it has one. */
export function planSteps(items: InsertionItem[], layout: Layout): Step[] {
  const units: number[][] = []
  items.forEach((item, i) => {
    const last = units.at(-1)
    const previous = i > 0 ? items[i - 1] : undefined
    const joins = layout === 'together' && item.resource.kind === 'image' && previous?.resource.kind === 'image'
    if (joins && last) last.push(i)
    else units.push([i])
  })
  const steps: Step[] = []
  for (const unit of units) {
    const kind = items[unit[0] ?? 0]?.resource.kind === 'image' ? 'image' : 'file'
    steps.push({ items: unit, part: 'block', kind, text: '' })
    const caption = unitCaption(items, unit)
    if (caption) steps.push({ items: unit, part: 'caption', kind, text: caption })
  }
  return steps
}

/** Caption text of a unit: with several photos, each caption numbered by its photo's place. */
function unitCaption(items: InsertionItem[], unit: number[]): string {
  return unit
    .map((i, n) => ({ n: n + 1, caption: items[i]?.caption?.trim() }))
    .filter((c): c is { n: number; caption: string } => !!c.caption)
    .map((c) => (unit.length > 1 ? `${c.n}. ${c.caption}` : c.caption))
    .join('   ')
}

// ---- what goes in ---------------------------------------------------------------------------------

/** Inline image element (docs/dingtalk.md: `src` = the resourceUrl exactly as DingTalk returned it). */
export function imageElement(resource: ResourceClaims): InlineElement {
  return { elementType: 'image', properties: { src: resource.resourceUrl } }
}

/**
 * The image and, for a photo with evidence, its code as a link to the verify page right after it,
 * in the same paragraph (docs/evidence.md#in-the-document): written by the same DocInsertBlocks,
 * so evidence costs no extra DingTalk call.
 */
export function imageElements(resource: ResourceClaims): InlineElement[] {
  const image = imageElement(resource)
  if (!resource.evidence) return [image]
  const { code, verifyUrl } = resource.evidence
  return [image, { elementType: 'link', properties: { href: verifyUrl }, children: [{ text: code }] }]
}

/** The text a read shows for a photo paragraph: the evidence codes' link texts, if any. */
function imageStepText(resources: ResourceClaims[]): string {
  return resources.map((r) => r.evidence?.code ?? '').join('')
}

/** The element a step writes. `asLink`: DingTalk refused the attachment block, so a file goes in as a link. */
export function stepElement(step: Step, items: InsertionItem[], asLink: boolean): BlockElement {
  const resources = step.items.map((i) => items[i]?.resource).filter((r): r is ResourceClaims => !!r)
  if (step.part === 'caption') return { blockType: 'paragraph', paragraph: {}, children: [{ text: step.text }] }
  if (step.kind === 'image') return { blockType: 'paragraph', paragraph: {}, children: resources.flatMap(imageElements) }
  const resource = resources[0]
  if (!resource) throw new Error('a file step without its resource')
  if (asLink) {
    // `href` is the resourceUrl as DingTalk returned it; UNCONFIRMED whether DingTalk resolves it for readers.
    return {
      blockType: 'paragraph',
      paragraph: {},
      children: [{ elementType: 'link', properties: { href: resource.resourceUrl }, children: [{ text: resource.name }] }],
    }
  }
  // The attachment block DingTalk's own tools send; its CLI gives `type` as the MIME type (docs/dingtalk.md).
  return {
    blockType: 'attachment',
    attachment: { resourceId: resource.resourceId, type: resource.mediaType, name: resource.name, viewType: 'preview' },
  }
}

// ---- recognising a step's block -------------------------------------------------------------------

/** `yes`: the block shows this step's resource; `maybe`: it could be this step's (DingTalk hides content); `no`. */
export type Match = 'yes' | 'maybe' | 'no'

/** Every string under `src`, `href`, `resourceId` or `url` anywhere inside a block. */
export function referencesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, out)
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (typeof v === 'string' && (key === 'src' || key === 'href' || key === 'resourceId' || key === 'url')) out.push(v)
      else referencesIn(v, out)
    }
  }
  return out
}

/**
 * Whether a reference found in a block points at `resource`. DingTalk may hand back `src` in
 * another form than we sent (absolute, with a query) — UNCONFIRMED for live documents — so a
 * reference containing the (UUID-like) resourceId, or with the resourceUrl as its path, matches too.
 */
export function refersTo(ref: string, resource: ResourceClaims): boolean {
  if (ref === resource.resourceUrl || ref === resource.resourceId) return true
  if (resource.resourceId.length >= 8 && ref.includes(resource.resourceId)) return true
  if (resource.resourceUrl.startsWith('/') && /^https?:\/\//.test(ref)) {
    try {
      return new URL(ref).pathname === resource.resourceUrl
    } catch {
      return false
    }
  }
  return false
}

/** The plain text of a paragraph block (its `text` property, or the text of its children and links). */
export function blockText(block: StoredBlock): string {
  if (block.paragraph?.text) return block.paragraph.text
  return (block.children ?? []).map(inlineText).join('')
}

function inlineText(c: unknown): string {
  if (!c || typeof c !== 'object') return ''
  if ('text' in c && typeof c.text === 'string') return c.text
  if ('elementType' in c && c.elementType === 'link' && 'children' in c && Array.isArray(c.children))
    return c.children.map(inlineText).join('')
  return ''
}

/**
 * Whether a read of the document shows content (inline children, resource references): then a
 * block of ours is recognised by what it holds, and a block without our resource is not ours.
 * DingTalk's documented answers show neither (docs/dingtalk.md).
 */
export function showsContent(blocks: StoredBlock[]): boolean {
  return blocks.some((b) => (b.children?.length ?? 0) > 0 || referencesIn(b).length > 0)
}

/** Whether `block` may be the block `step` wrote, judged by what the read shows. */
export function matchStep(block: StoredBlock, step: Step, items: InsertionItem[], contentShown: boolean): Match {
  const refs = referencesIn(block)
  const type = String(block.blockType)
  if (step.part === 'caption') {
    // Text alone is never proof (someone may have typed the same words), but it rules out.
    return type === 'paragraph' && refs.length === 0 && blockText(block) === step.text ? 'maybe' : 'no'
  }
  const resources = step.items.map((i) => items[i]?.resource).filter((r): r is ResourceClaims => !!r)
  if (refs.length > 0) return refs.some((ref) => resources.some((r) => refersTo(ref, r))) ? 'yes' : 'no'
  if (contentShown) return 'no'
  if (step.kind === 'image') return type === 'paragraph' && blockText(block) === imageStepText(resources) ? 'maybe' : 'no'
  const name = resources[0]?.name
  if (type === 'Undefined' || type === 'attachment') return 'maybe'
  return type === 'paragraph' && (blockText(block) === '' || blockText(block) === name) ? 'maybe' : 'no'
}
