/**
 * Puts uploaded resources into a document in the order picked, exactly once (docs/api.md
 * `POST /api/documents/:docId/insertions`; docs/architecture.md "Exactly-once insertion").
 *
 * Every step (a unit's block, a caption) is one DocInsertBlocks against a fixed reference (the end,
 * the start, or the chosen block; insertion-journal.ts `Reference`). Before each write the journal
 * records that the step is being written; as soon as DingTalk answers, its block id. A lost answer
 * (5xx, dropped connection) or a bare `{"success":true}` is settled by reading the document once and
 * comparing block ids next to the reference (insertion-locate.ts), so exactly-once never depends on
 * DingTalk echoing our content. When DingTalk is not known to show content, the document is read
 * once before the first write to know what was next to the reference; when answers were bare, once
 * after the last write to learn the block ids. What the document cannot decide is answered as
 * `409 insertion_uncertain`, a question to the person, never a guess.
 */
import type { InsertedBlock, InsertionIncompleteDetails, InsertionUncertainDetails, Layout, Position } from '@contract/api'
import { DingTalkError, INVALID_RESPONSE } from '../../dingtalk/errors'
import type { DingTalkApi, StoredBlock } from '../../dingtalk/types'
import type { InsertBlockRequest } from '../../dingtalk/schemas'
import { AppError, toAppError } from '../../errors'
import type { BatchRecord, InsertionJournal, Reference, StepProgress, TokenUse } from './insertion-journal'
import { locate, outward, type LocatedStep } from './insertion-locate'
import { matchStep, planSteps, referencesIn, refersTo, showsContent, stepElement, type InsertionItem, type Step } from './insertion-plan'

export type { InsertionItem } from './insertion-plan'

/** Attempts for one step whose failure was retryable (503, timeouts, throttling). */
const MAX_ATTEMPTS = 3
const RETRY_DELAY_MS = 250

/**
 * What this process has learned about the DingTalk it talks to: whether reads and insert answers
 * show our content (`src`, captions) back. Unknown at start; learned from the first answers.
 */
export interface DingTalkTraits {
  showsContent: boolean | undefined
}

export interface InsertionContext {
  dingtalk: DingTalkApi
  docId: string
  unionId: string
  journal: InsertionJournal
  /** journalId(scope, fingerprint) of this request. */
  journalId: string
  /** batchScope(scope): the Idempotency-Key as token-use records name it. */
  batch: string
  fingerprint: string
  /** What the journal holds for this request (undefined: nothing). */
  record: BatchRecord | undefined
  /**
   * An earlier attempt may have written without the journal knowing (it is younger than the
   * tokens, or forgot): the document is checked for this batch's blocks before writing.
   */
  mayHaveStarted: boolean
  traits: DingTalkTraits
  now: () => number
  /** Waits between retries of a write; injectable for tests. */
  sleep?: (ms: number) => Promise<void>
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

function referenceFor(position: Position): Reference {
  if ('blockId' in position) return { kind: position.where, blockId: position.blockId }
  return { kind: position.where }
}

/**
 * Inserts `items` into the document in item order at `position` and returns one block per item
 * (the block holding its image or file). On a DingTalk failure it throws the mapped AppError with
 * `details` = InsertionIncompleteDetails (what is already in, what is pending); calling again with
 * the same items completes the rest without duplicates. When the document cannot tell whether
 * something went in, it throws `409 insertion_uncertain` (InsertionUncertainDetails).
 */
export async function insertItems(
  ctx: InsertionContext,
  items: InsertionItem[],
  position: Position,
  layout: Layout,
): Promise<InsertedBlock[]> {
  const batch = new Batch(ctx, items, position, layout)
  try {
    return await batch.run()
  } catch (err) {
    // Our own refusals (a vanished position, an uncertain step) are thrown as they are.
    if (!(err instanceof DingTalkError)) throw err
    throw toAppError(err, await batch.incompleteDetailsSettled())
  }
}

class Batch {
  private readonly record: BatchRecord
  private readonly steps: Step[]
  /** Steps in writing order: document order, reversed for `start` and `after`. */
  private readonly order: number[]
  private readonly reference: Reference
  /** The last read of the document, if any this attempt. */
  private doc: StoredBlock[] | null = null
  /** Set once DingTalk refuses an attachment block, so later files go straight to the link. */
  private attachmentsRefused = false
  private pendingUses: Array<TokenUse & { resourceId: string }> = []
  private readonly sleep: (ms: number) => Promise<void>

  constructor(
    private readonly ctx: InsertionContext,
    private readonly items: InsertionItem[],
    position: Position,
    layout: Layout,
  ) {
    this.sleep = ctx.sleep ?? realSleep
    this.steps = planSteps(items, layout)
    const saved = ctx.record?.steps && ctx.record.steps.length === this.steps.length ? ctx.record : undefined
    this.reference = saved?.reference ?? referenceFor(position)
    this.record = {
      fingerprint: ctx.fingerprint,
      state: 'started',
      at: ctx.now(),
      reference: this.reference,
      ...(saved && saved.far !== undefined ? { far: saved.far } : {}),
      steps: saved?.steps ? [...saved.steps] : this.steps.map(() => null),
    }
    const forward = this.steps.map((_, i) => i)
    this.order = this.reference.kind === 'start' || this.reference.kind === 'after' ? forward.reverse() : forward
  }

  /** Progress of the step written `w`-th. */
  private progress(w: number): StepProgress {
    return this.record.steps?.[this.order[w] ?? -1] ?? null
  }

  private setProgress(w: number, progress: StepProgress): void {
    const s = this.order[w]
    if (s === undefined || !this.record.steps) return
    this.record.steps[s] = progress
    const step = this.steps[s]
    if (progress?.state === 'in' && progress.blockId && step?.part === 'block') {
      for (const i of step.items) {
        const resourceId = this.items[i]?.resource.resourceId
        if (resourceId) this.pendingUses.push({ resourceId, batch: this.ctx.batch, blockId: progress.blockId, insertedAt: this.ctx.now() })
      }
    }
  }

  /** Durably records progress (and which resources are now in) before the next write. */
  private async save(): Promise<void> {
    await this.ctx.journal.put(this.ctx.journalId, this.record)
    if (this.pendingUses.length) {
      const uses = this.pendingUses
      this.pendingUses = []
      await this.ctx.journal.putTokenUses(this.ctx.docId, uses)
    }
  }

  /** How many steps (in writing order) are in; they always come first. */
  private landed(): number {
    let n = 0
    while (n < this.order.length && this.progress(n)?.state === 'in') n++
    return n
  }

  async run(): Promise<InsertedBlock[]> {
    const progressUnknown = this.ctx.mayHaveStarted || (this.ctx.record !== undefined && !this.ctx.record.steps)
    const m = this.order.length
    if (progressUnknown) {
      // Nothing to go by but the document: any number of steps may be in.
      await this.settle(
        Array.from({ length: m + 1 }, (_, n) => n),
        undefined,
      )
    } else if (this.needsSettling()) {
      const n = this.landed()
      await this.settle(this.progress(n)?.state === 'writing' ? [n, n + 1] : [n], n)
    } else if (this.landed() === 0 && (this.ctx.traits.showsContent !== true || this.reference.kind === 'start')) {
      // Before the first write: what is next to the reference now, so a lost answer can be settled
      // by ids alone (and, for `start`, whether the document is empty).
      const near = await this.readOutward()
      this.record.far = near[0]?.id ?? null
    }

    for (let w = this.landed(); w < m; w++) await this.write(w)

    if (this.record.steps?.some((p) => p?.state === 'in' && p.blockId === null)) await this.settle([m], m)
    await this.save()
    return this.results()
  }

  /** Whether the journal shows a step whose outcome or block id is not known yet. */
  private needsSettling(): boolean {
    return this.record.steps?.some((p) => p?.state === 'writing' || (p?.state === 'in' && p.blockId === null)) ?? false
  }

  private async readOutward(): Promise<StoredBlock[]> {
    const blocks = await this.ctx.dingtalk.queryBlocks(this.ctx.docId, this.ctx.unionId)
    this.doc = blocks
    if (this.ctx.traits.showsContent === undefined && showsContent(blocks)) this.ctx.traits.showsContent = true
    const near = outward(blocks, this.reference)
    if (!near) throw positionGone()
    return near
  }

  /**
   * Reads the document and settles how many steps are in among `candidates`, learning the block
   * ids of those in. `certain`: how many are in for sure (undefined: unknown, the journal lost them).
   * Returns the settled count; throws 409 insertion_uncertain when the document cannot tell.
   */
  private async settle(candidates: number[], certain: number | undefined): Promise<number> {
    const near = await this.readOutward()
    const contentShown = showsContent(this.doc ?? [])
    const steps: LocatedStep[] = this.order.map((s, w) => {
      const p = this.progress(w)
      const step = this.steps[s]
      return {
        known: p?.state === 'in' ? p.blockId : null,
        match: (block) => (step ? matchStep(block, step, this.items, contentShown) : 'no'),
      }
    })
    const found = locate({ outward: near, steps, candidates, far: this.record.far })
    let settled = found.settled
    // A caption is only words: if its write may have gone in and the words are there, take them.
    const lastCandidate = candidates.at(-1) ?? 0
    const captionAt = this.steps[this.order[lastCandidate - 1] ?? -1]
    if (!settled && captionAt?.part === 'caption' && candidates.length === 2 && found.consistent.includes(lastCandidate)) {
      const ids = found.reading(lastCandidate)
      if (ids) settled = { n: lastCandidate, ids }
    }
    if (!settled) throw this.uncertain(found.consistent, candidates, certain)
    const { n, ids } = settled
    for (let w = 0; w < this.order.length; w++) {
      const p = this.progress(w)
      if (w < n) {
        if (p?.state !== 'in' || p.blockId === null) this.setProgress(w, { state: 'in', blockId: ids[w] ?? null })
      } else if (p !== null) {
        this.setProgress(w, null)
      }
    }
    await this.save()
    return n
  }

  /** Writes the step written `w`-th, settling a lost answer before trying again. */
  private async write(w: number): Promise<void> {
    const step = this.steps[this.order[w] ?? -1]
    if (!step) return
    for (let attempt = 1; ; attempt++) {
      this.setProgress(w, { state: 'writing' })
      await this.save()
      let answer: StoredBlock | null
      try {
        answer = await this.ctx.dingtalk.insertBlock(this.ctx.docId, this.ctx.unionId, {
          element: stepElement(step, this.items, this.attachmentsRefused),
          ...this.placement(w),
        })
      } catch (err) {
        if (!(err instanceof DingTalkError)) throw err
        if (err.dingtalkCode === INVALID_RESPONSE) {
          // DingTalk said yes in a shape without the block (its FAQ shows a bare `{"success":true}`).
          answer = null
        } else if (err.outcomeUnknown) {
          await this.sleep(RETRY_DELAY_MS * attempt)
          if ((await this.settle([w, w + 1], w)) > w) return
          if (attempt >= MAX_ATTEMPTS) throw err
          continue
        } else {
          this.setProgress(w, null)
          await this.save()
          if (step.kind === 'file' && step.part === 'block' && !this.attachmentsRefused && err.appCode === 'invalid_request') {
            // paramError: this DingTalk does not take the undocumented attachment block; a link instead.
            this.attachmentsRefused = true
            attempt--
            continue
          }
          if (err.retryable && attempt < MAX_ATTEMPTS) {
            await this.sleep(RETRY_DELAY_MS * attempt)
            continue
          }
          if (err.appCode === 'document_not_found' && this.reference.kind !== 'end' && this.reference.kind !== 'start') {
            // The chosen block may have been deleted meanwhile: say so (400) rather than "document not found".
            await this.readOutward()
          }
          throw err
        }
      }
      this.learnFrom(step, answer)
      this.setProgress(w, { state: 'in', blockId: answer?.id ?? null })
      return
    }
  }

  /** From an insert answer: does this DingTalk echo our content? (A photo's `src` back ⇒ yes.) */
  private learnFrom(step: Step, answer: StoredBlock | null): void {
    if (step.part !== 'block' || step.kind !== 'image') return
    const resource = this.items[step.items[0] ?? -1]?.resource
    const echoed = !!answer && !!resource && referencesIn(answer.children ?? []).some((ref) => refersTo(ref, resource))
    this.ctx.traits.showsContent = echoed
  }

  /** Where the step written `w`-th goes: always against the batch's reference. */
  private placement(w: number): Omit<InsertBlockRequest, 'element'> {
    const ref = this.reference
    switch (ref.kind) {
      case 'end':
        return {}
      case 'start': {
        // An empty document has no block 0 to go before; appending is the start.
        const empty = w === 0 && this.record.far === null
        return empty ? {} : { index: 0, where: 'before' }
      }
      case 'before':
      case 'after':
        return { blockId: ref.blockId, where: ref.kind }
    }
  }

  /** One block per item, in item order. */
  private results(): InsertedBlock[] {
    const out: Array<InsertedBlock | undefined> = this.items.map(() => undefined)
    this.steps.forEach((step, s) => {
      const p = this.record.steps?.[s]
      if (step.part !== 'block' || p?.state !== 'in' || !p.blockId) return
      for (const i of step.items) {
        const item = this.items[i]
        if (item) out[i] = { blockId: p.blockId, resourceId: item.resource.resourceId }
      }
    })
    return out.map((r) => {
      if (!r) throw new Error('insertion finished without a block for every item')
      return r
    })
  }

  /**
   * incompleteDetails, after learning the block ids of steps whose answers were bare (one read),
   * so the person sees what is in; if even that read fails, what is known.
   */
  async incompleteDetailsSettled(): Promise<InsertionIncompleteDetails> {
    if (this.record.steps?.some((p) => p?.state === 'in' && p.blockId === null) && !this.needsWriteSettling()) {
      const n = this.landed()
      await this.settle([n], n).catch(() => undefined)
    }
    return this.incompleteDetails()
  }

  private needsWriteSettling(): boolean {
    return this.record.steps?.some((p) => p?.state === 'writing') ?? false
  }

  /** What is in (with block ids) and what is not, for a failure answer. */
  incompleteDetails(): InsertionIncompleteDetails {
    const blocks: InsertedBlock[] = []
    const pendingResourceIds: string[] = []
    this.steps.forEach((step, s) => {
      if (step.part !== 'block') return
      const p = this.record.steps?.[s]
      for (const i of step.items) {
        const resourceId = this.items[i]?.resource.resourceId
        if (!resourceId) continue
        if (p?.state === 'in' && p.blockId) blocks.push({ blockId: p.blockId, resourceId })
        else pendingResourceIds.push(resourceId)
      }
    })
    return { blocks, pendingResourceIds }
  }

  /**
   * 409 insertion_uncertain: steps written `low`..`high`-1 may or may not be in (and those in whose
   * block cannot be found). Their items are asked about; items whose block is known are reported
   * in; the rest are not in.
   */
  private uncertain(consistent: number[], candidates: number[], certain: number | undefined): AppError {
    const all = consistent.length ? consistent : candidates
    const low = certain ?? Math.min(...all)
    const high = Math.max(...all, low + 1)
    const unsure = new Set<number>()
    for (let w = 0; w < this.order.length; w++) {
      const p = this.progress(w)
      // In for sure but which block is not known (a bare answer): also a question for the person.
      const unknownBlock = p?.state === 'in' && p.blockId === null
      if ((w >= low && w < high) || unknownBlock) for (const i of this.steps[this.order[w] ?? -1]?.items ?? []) unsure.add(i)
    }
    const { blocks, pendingResourceIds } = this.incompleteDetails()
    const uncertainResourceIds = [...unsure].map((i) => this.items[i]?.resource.resourceId ?? '').filter((id) => id !== '')
    const details: InsertionUncertainDetails = {
      blocks: blocks.filter((b) => !uncertainResourceIds.includes(b.resourceId)),
      uncertainResourceIds,
      pendingResourceIds: pendingResourceIds.filter((id) => !uncertainResourceIds.includes(id)),
    }
    return new AppError('insertion_uncertain', {
      status: 409,
      message:
        'Some items may already be in the document (DingTalk did not confirm them and the document cannot tell): open it to check, then insert them again as a new batch if they are missing.',
      details,
    })
  }
}

function positionGone(): AppError {
  return new AppError('invalid_request', { status: 400, message: 'The chosen position is no longer in the document; choose it again.' })
}
