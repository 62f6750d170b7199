/**
 * Puts uploaded resources into a document in the order picked, exactly once (DESIGN.md §1.6, §2
 * `POST /api/documents/:docId/insertions`; dingtalk-open-api.md §5.2–§5.4).
 *
 * A first attempt writes straight away: at the end of the document it needs no read at all, so a
 * batch costs one DocInsertBlocks per block (one per `together` group). When an earlier attempt with
 * the same request may have written something (`resume`: the insertion journal says it started, or
 * an outcome was left unknown) the document's blocks are read first (DocBlocksQuery, §5.2) and every
 * item whose resource is already there (image `src`, attachment `resourceId`, link `href`) is reused
 * instead of inserted again. So a retry after a partial failure or a crash finishes the batch without
 * duplicates, and keeps the order by placing each missing item right after the previous item's block.
 */
import type { InsertedBlock, InsertionIncompleteDetails, Layout, Position } from '@contract/api'
import { DingTalkError, INVALID_RESPONSE } from '../../dingtalk/errors'
import type { BlockElement, DingTalkApi, InlineElement, StoredBlock } from '../../dingtalk/types'
import type { InsertBlockRequest } from '../../dingtalk/schemas'
import { AppError } from '../../errors'
import { toAppError } from '../../errors'
import type { ResourceClaims } from '../upload/resource-token'

/** Attempts for one insert/append whose failure was retryable (503, timeouts, throttling). */
const MAX_ATTEMPTS = 3
const RETRY_DELAY_MS = 250

/** One item of a batch, its token already verified. */
export interface InsertionItem {
  resource: ResourceClaims
  caption?: string
}

export interface InsertionContext {
  dingtalk: DingTalkApi
  docId: string
  unionId: string
  /**
   * An earlier attempt of this request may have written to the document (the insertion journal
   * knows it started but not that it finished): read the document first and insert only what is
   * missing. False on a first attempt, which then reads only where a position needs it.
   */
  resume: boolean
  /** Waits between retries of an insert; injectable for tests. */
  sleep?: (ms: number) => Promise<void>
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Serialises insertions per document in this process, so two batches never interleave. */
export class DocumentLocks {
  private readonly tails = new Map<string, Promise<unknown>>()

  /** Runs `work` after every earlier `run` for the same document has settled. */
  async run<T>(docId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(docId) ?? Promise.resolve()
    const current = previous.then(work, work)
    const tail = current.catch(() => undefined)
    this.tails.set(docId, tail)
    try {
      return await current
    } finally {
      if (this.tails.get(docId) === tail) this.tails.delete(docId)
    }
  }
}

// ---- reading the document ------------------------------------------------------------------------

/** Every string under `src`, `href`, `resourceId` or `url` anywhere inside a block. */
function referencesIn(value: unknown, out: string[] = []): string[] {
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
function refersTo(ref: string, resource: ResourceClaims): boolean {
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

/** The plain text of a paragraph block (its `text` property or its text children). */
function blockText(block: StoredBlock): string {
  if (block.paragraph?.text) return block.paragraph.text
  return (block.children ?? []).map((c) => (c && typeof c === 'object' && 'text' in c && typeof c.text === 'string' ? c.text : '')).join('')
}

/**
 * The document's root blocks as we know them: read from DingTalk when needed (`complete`), else
 * only the blocks this attempt inserted.
 */
class DocumentView {
  constructor(
    public blocks: StoredBlock[],
    readonly complete: boolean,
  ) {}

  /** The root block that holds `resource`, if it is in the document. */
  find(resource: ResourceClaims): StoredBlock | undefined {
    return this.blocks.find((b) => referencesIn(b).some((ref) => refersTo(ref, resource)))
  }

  has(blockId: string): boolean {
    return this.blocks.some((b) => b.id === blockId)
  }

  /** The block right after `blockId`, if it is a paragraph whose text is exactly `text`. */
  textAfter(blockId: string, text: string): StoredBlock | undefined {
    const i = this.blocks.findIndex((b) => b.id === blockId)
    const next = i >= 0 ? this.blocks[i + 1] : undefined
    return next && next.blockType === 'paragraph' && referencesIn(next).length === 0 && blockText(next) === text ? next : undefined
  }

  /** Records a block we inserted at its reported index. */
  add(block: StoredBlock): void {
    const at = Math.min(Math.max(block.index, 0), this.blocks.length)
    this.blocks.splice(at, 0, block)
  }

  /** Records an element we appended to a paragraph. */
  append(blockId: string, element: InlineElement): void {
    const block = this.blocks.find((b) => b.id === blockId)
    if (block) block.children = [...(block.children ?? []), element]
  }
}

// ---- what goes in ---------------------------------------------------------------------------------

/** Inline image element (dingtalk-open-api.md §5.1; `src` = resourceUrl as DingTalk returned it, §5.1 plan step 1). */
function imageElement(resource: ResourceClaims): InlineElement {
  return { elementType: 'image', properties: { src: resource.resourceUrl } }
}

/** One paragraph holding `resources` as inline images, in order (§5.3: a paragraph takes several children). */
function imageParagraph(resources: ResourceClaims[]): BlockElement {
  return { blockType: 'paragraph', paragraph: {}, children: resources.map(imageElement) }
}

function textParagraph(text: string): BlockElement {
  return { blockType: 'paragraph', paragraph: {}, children: [{ text }] }
}

/**
 * The attachment block DingTalk's own tools send (DESIGN.md §1.6; not in the public docs,
 * dingtalk-open-api.md §5.7). `type` is the file extension, as a file card shows it (UNCONFIRMED
 * whether DingTalk wants the extension or the MIME type here).
 */
function attachmentBlock(resource: ResourceClaims): BlockElement {
  return {
    blockType: 'attachment',
    // The MIME type, as DingTalk's own CLI sends it (docs/dingtalk.md#attachment-block).
    attachment: { resourceId: resource.resourceId, type: resource.mediaType, name: resource.name, viewType: 'preview' },
  }
}

/**
 * Fallback when DingTalk refuses the attachment block: a paragraph with a link named after the
 * file. `href` is the resourceUrl exactly as DingTalk returned it — a relative path (§4.1);
 * UNCONFIRMED whether DingTalk resolves it for readers (§5.7).
 */
function linkParagraph(resource: ResourceClaims): BlockElement {
  return {
    blockType: 'paragraph',
    paragraph: {},
    children: [{ elementType: 'link', properties: { href: resource.resourceUrl }, children: [{ text: resource.name }] }],
  }
}

/** Groups items into what becomes one block: a run of images shares a paragraph with `together`. */
function units(items: InsertionItem[], layout: Layout): number[][] {
  const out: number[][] = []
  items.forEach((item, i) => {
    const last = out.at(-1)
    const previous = i > 0 ? items[i - 1] : undefined
    const joins = layout === 'together' && item.resource.kind === 'image' && previous?.resource.kind === 'image'
    if (joins && last) last.push(i)
    else out.push([i])
  })
  return out
}

/** Caption text of a shared paragraph: each caption numbered by its photo's place in the group. */
function groupCaption(items: InsertionItem[], group: number[]): string {
  return group
    .map((i, n) => ({ n: n + 1, caption: items[i]?.caption?.trim() }))
    .filter((c): c is { n: number; caption: string } => !!c.caption)
    .map((c) => (group.length > 1 ? `${c.n}. ${c.caption}` : c.caption))
    .join('   ')
}

// ---- the batch ----------------------------------------------------------------------------------

/**
 * Inserts `items` into the document in item order at `position` and returns one block per item
 * (the block holding its image or file). On a DingTalk failure it throws the mapped AppError with
 * `details` = InsertionIncompleteDetails (what is already in, what is pending); calling again
 * with the same items completes the rest without duplicates.
 */
export async function insertItems(
  ctx: InsertionContext,
  items: InsertionItem[],
  position: Position,
  layout: Layout,
): Promise<InsertedBlock[]> {
  const results: Array<InsertedBlock | undefined> = items.map(() => undefined)
  try {
    await new Batch(ctx, items, position, layout, results).run()
  } catch (err) {
    // Our own refusals (a vanished position) are thrown as they are; DingTalk failures say how far we got.
    if (!(err instanceof DingTalkError)) throw err
    const details: InsertionIncompleteDetails = {
      blocks: results.filter((r): r is InsertedBlock => r !== undefined),
      pendingResourceIds: items.filter((_, i) => results[i] === undefined).map((it) => it.resource.resourceId),
    }
    throw toAppError(err, details)
  }
  return results.map((r) => {
    if (!r) throw new Error('insertion finished without a block for every item')
    return r
  })
}

class Batch {
  private doc = new DocumentView([], false)
  /** The last block of the previous unit; the next unit goes right after it. */
  private anchor: string | null = null
  /** Set once DingTalk refuses an attachment block, so later files go straight to the link. */
  private attachmentsRefused = false
  private readonly sleep: (ms: number) => Promise<void>

  constructor(
    private readonly ctx: InsertionContext,
    private readonly items: InsertionItem[],
    private readonly position: Position,
    private readonly layout: Layout,
    private readonly results: Array<InsertedBlock | undefined>,
  ) {
    this.sleep = ctx.sleep ?? realSleep
  }

  async run(): Promise<void> {
    // `start` needs to know whether the document is empty (there is no block 0 to go before then).
    if (this.ctx.resume || this.position.where === 'start') await this.refresh()
    if (
      (this.position.where === 'after' || this.position.where === 'before') &&
      this.doc.complete &&
      !this.doc.has(this.position.blockId)
    ) {
      throw this.positionGone()
    }
    for (const unit of units(this.items, this.layout)) {
      const first = this.items[unit[0] ?? -1]
      if (!first) continue
      if (this.layout === 'together' && first.resource.kind === 'image') await this.placeGroup(unit)
      else await this.placeSingle(unit[0] ?? 0, first)
    }
  }

  private async refresh(): Promise<void> {
    this.doc = new DocumentView(await this.ctx.dingtalk.queryBlocks(this.ctx.docId, this.ctx.unionId), true)
  }

  private positionGone(): AppError {
    return new AppError('invalid_request', { status: 400, message: 'The chosen position is no longer in the document; choose it again.' })
  }

  /**
   * Called when DingTalk refused a write as "not found". If the write was placed at the block the
   * person chose (nothing of ours before it yet), that block may have been deleted meanwhile: check
   * the document and say so (400) rather than "document not found".
   */
  private async explainNotFound(err: unknown): Promise<never> {
    const atChosenBlock = this.anchor === null && (this.position.where === 'after' || this.position.where === 'before')
    if (atChosenBlock && err instanceof DingTalkError && err.appCode === 'document_not_found') {
      await this.refresh()
      if (!this.doc.has(this.position.blockId)) throw this.positionGone()
    }
    throw err
  }

  /** Where the next new block goes: after the previous unit, else the requested position. */
  private placement(): Omit<InsertBlockRequest, 'element'> {
    if (this.anchor) return { blockId: this.anchor, where: 'after' }
    switch (this.position.where) {
      case 'end':
        return {}
      case 'start':
        // An empty document has no block 0 to go before; appending is the start.
        return this.doc.blocks.length > 0 ? { index: 0, where: 'before' } : {}
      case 'after':
      case 'before':
        return { blockId: this.position.blockId, where: this.position.where }
    }
  }

  private record(index: number, blockId: string): void {
    const item = this.items[index]
    if (item) this.results[index] = { blockId, resourceId: item.resource.resourceId }
  }

  private async placeSingle(index: number, item: InsertionItem): Promise<void> {
    const { resource } = item
    let block = this.doc.find(resource)
    if (!block) {
      block =
        resource.kind === 'image'
          ? await this.insert(imageParagraph([resource]), (doc) => doc.find(resource))
          : await this.insertFile(resource)
    }
    this.record(index, block.id)
    this.anchor = block.id
    const caption = item.caption?.trim()
    if (caption) await this.placeCaption(block.id, caption)
  }

  private async insertFile(resource: ResourceClaims): Promise<StoredBlock> {
    const found = (doc: DocumentView) => doc.find(resource)
    if (!this.attachmentsRefused) {
      try {
        return await this.insert(attachmentBlock(resource), found)
      } catch (err) {
        // paramError: this DingTalk does not take the undocumented attachment block (§5.7).
        if (!(err instanceof DingTalkError && err.appCode === 'invalid_request')) throw err
        this.attachmentsRefused = true
      }
    }
    return this.insert(linkParagraph(resource), found)
  }

  private async placeCaption(afterBlockId: string, caption: string): Promise<void> {
    const existing = this.doc.textAfter(afterBlockId, caption)
    const block = existing ?? (await this.insert(textParagraph(caption), (doc) => doc.textAfter(afterBlockId, caption)))
    this.anchor = block.id
  }

  /**
   * A run of images in one paragraph, inserted with ONE DocInsertBlocks holding all of them (§5.3).
   * If an earlier attempt left part of the group in a paragraph, the missing photos are appended to
   * it one by one (DocAppendParagraph, §5.4).
   */
  private async placeGroup(group: number[]): Promise<void> {
    const resources = group.map((i) => this.items[i]?.resource).filter((r): r is ResourceClaims => !!r)
    const present = resources.map((r) => this.doc.find(r)).find((b) => b !== undefined)
    let paragraphId: string
    if (present) {
      paragraphId = present.id
      // Recorded one by one, so a failure midway reports exactly which photos are in.
      for (const i of group) {
        const resource = this.items[i]?.resource
        if (!resource) continue
        if (!this.doc.find(resource)) await this.append(paragraphId, resource)
        this.record(i, this.doc.find(resource)?.id ?? paragraphId)
      }
    } else {
      const first = resources[0]
      if (!first) return
      paragraphId = (await this.insert(imageParagraph(resources), (doc) => doc.find(first))).id
      for (const i of group) this.record(i, paragraphId)
    }
    this.anchor = paragraphId
    const caption = groupCaption(this.items, group)
    if (caption) await this.placeCaption(paragraphId, caption)
  }

  /**
   * DocInsertBlocks at the current placement. A retryable failure (503, timeout, throttling) may
   * or may not have inserted the block (the client does not repeat inserts itself), so before
   * trying again we read the document and take the block if it landed.
   */
  private async insert(element: BlockElement, landed: (doc: DocumentView) => StoredBlock | undefined): Promise<StoredBlock> {
    const block = await this.withRecovery(
      async () =>
        (await this.ctx.dingtalk.insertBlock(this.ctx.docId, this.ctx.unionId, { element, ...this.placement() })) ??
        (await this.findConfirmedWrite(landed)),
      landed,
    ).catch((err: unknown) => this.explainNotFound(err))
    if (this.doc.has(block.id)) return block
    // DingTalk's answer may leave out the children (§5.3 example); what we sent is what landed.
    const stored: StoredBlock = { ...element, ...block, children: block.children ?? element.children }
    this.doc.add(stored)
    return stored
  }

  private async append(paragraphId: string, resource: ResourceClaims): Promise<void> {
    const element = imageElement(resource)
    await this.withRecovery(
      async () => {
        await this.ctx.dingtalk.appendParagraphElement(this.ctx.docId, paragraphId, this.ctx.unionId, element)
        this.doc.append(paragraphId, element)
        return true
      },
      (doc) => (doc.find(resource) ? true : undefined),
    )
  }

  /**
   * DingTalk confirmed the write without naming the block (a bare `{"success":true}`,
   * docs/dingtalk.md#docinsertblocks): the write happened, so find it rather than write again.
   */
  private async findConfirmedWrite<T>(landed: (doc: DocumentView) => T | undefined): Promise<T> {
    await this.refresh()
    const found = landed(this.doc)
    if (found !== undefined) return found
    throw new DingTalkError({ status: 200, dingtalkCode: INVALID_RESPONSE, api: 'POST /v1.0/doc/suites/documents/{docKey}/blocks' })
  }

  private async withRecovery<T>(op: () => Promise<T>, landed: (doc: DocumentView) => T | undefined): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await op()
      } catch (err) {
        if (err instanceof DingTalkError && err.dingtalkCode === INVALID_RESPONSE) {
          // DingTalk said yes in a shape we did not expect (the FAQ shows a bare `{"success":true}`
          // for DocInsertBlocks, §5.3): the write happened, so find it rather than write again.
          await this.refresh()
          const found = landed(this.doc)
          if (found !== undefined) return found
          throw err
        }
        if (!(err instanceof DingTalkError) || !err.retryable || attempt >= MAX_ATTEMPTS) throw err
        await this.sleep(RETRY_DELAY_MS * attempt)
        if (err.outcomeUnknown) {
          await this.refresh()
          const found = landed(this.doc)
          if (found !== undefined) return found
        }
      }
    }
  }
}
