/**
 * The inserter: once the person pressed send and no item is still on its way up, every uploaded
 * item goes into the document with ONE insertion call, in the order shown.
 *
 * Exactly once (docs/architecture.md): the Idempotency-Key and the exact body are saved before the
 * request leaves, and every later send of that key (a retry, or a resend after a reload) carries
 * `Idempotency-Retry: true`, so the server never inserts twice.
 */
import type { ComputedRef, Ref } from 'vue'
import type { InsertionRequest, InsertionResponse, Position } from '@contract/api'
import { ApiError, isRetryable } from '@/api/http'
import { incompleteDetails, insertResources, uncertainDetails, usedBlocks } from '@/api/insertions'
import { newId } from '@/lib/ids'
import { sleep } from '@/lib/sleep'
import { setStatus, toItemError, type Batch, type PendingInsertion, type QueueItem } from './queue-item'
import { QUEUE_SETTINGS } from './settings'
import { backoffDelay } from './uploader'

export interface InserterDeps {
  items: Readonly<Ref<QueueItem[]>>
  find(id: string): QueueItem | undefined
  batch: Ref<Batch>
  blobs: ReadonlyMap<string, Blob>
  /** Some item is still being prepared or uploaded. */
  busy: ComputedRef<boolean>
  online: Readonly<Ref<boolean>>
  whenOnline(): Promise<void>
  persist(): Promise<void>
  /** Starts uploads of ready items (after tokens were renewed or items retried). */
  pump(): void
}

export function createInserter(deps: InserterDeps) {
  const { batch, find } = deps
  let inserting = false
  let insertAgain = false

  /** Starts the insertion when the batch is submitted and no item is still on its way up. */
  function maybeInsert(): void {
    if (inserting) {
      // Asked again while a run is finishing (e.g. retry right after the receipt appeared).
      insertAgain = true
      return
    }
    if (!batch.value.submitted || batch.value.receipt || deps.busy.value) return
    void runInsertion()
  }

  function buildInsertion(): PendingInsertion | null {
    const items = deps.items.value
    const ready = items.filter((i) => i.status === 'uploaded' && i.resource)
    if (ready.length === 0) return null
    // After a partial batch, new items go right after what is already in, to keep the order.
    const lastInserted = [...items].reverse().find((i) => i.status === 'inserted' && i.blockId)
    const position: Position = lastInserted?.blockId ? { where: 'after', blockId: lastInserted.blockId } : batch.value.position
    const body: InsertionRequest = {
      items: ready.map((i) => {
        const caption = i.caption.trim()
        return caption ? { resourceToken: i.resource?.resourceToken ?? '', caption } : { resourceToken: i.resource?.resourceToken ?? '' }
      }),
      position,
      layout: batch.value.layout,
    }
    return { idempotencyKey: newId(), body, itemIds: ready.map((i) => i.id), sentOnce: false }
  }

  function applyBlocks(insertion: PendingInsertion, blocks: Array<{ blockId: string; resourceId: string }>): void {
    const byResource = new Map(blocks.map((b) => [b.resourceId, b.blockId]))
    for (const id of insertion.itemIds) {
      const item = find(id)
      const blockId = item?.resource ? byResource.get(item.resource.resourceId) : undefined
      if (item && blockId) setStatus(item, 'inserted', { blockId, error: null })
    }
  }

  function finish(documentUrl: string): void {
    batch.value.insertion = null
    batch.value.receipt = { documentUrl }
  }

  /** Sends the insertion until it is answered, fails for good, or runs out of attempts. */
  async function send(docId: string, insertion: PendingInsertion): Promise<{ response: InsertionResponse | null; failure: unknown }> {
    for (let attempt = 1; ; attempt++) {
      await deps.whenOnline()
      // Saved before the request leaves, so a resend after a reload also says it is one.
      const retry = insertion.sentOnce
      if (!retry) {
        insertion.sentOnce = true
        await deps.persist()
      }
      try {
        return { response: await insertResources(docId, insertion.body, insertion.idempotencyKey, { retry }), failure: null }
      } catch (err) {
        const details = incompleteDetails(err) ?? uncertainDetails(err)
        if (details) applyBlocks(insertion, details.blocks)
        // Already in from an earlier batch: shown as in, never uploaded or inserted again.
        const used = usedBlocks(err)
        if (used) applyBlocks(insertion, used)
        if (used || uncertainDetails(err)) return { response: null, failure: err }
        if (!deps.online.value) continue
        if (!isRetryable(err) && !(err instanceof ApiError && err.status >= 500)) return { response: null, failure: err }
        if (attempt >= QUEUE_SETTINGS.maxAttempts) return { response: null, failure: err }
        await sleep(backoffDelay(attempt, err))
      }
    }
  }

  async function runInsertion(): Promise<void> {
    const doc = batch.value.document
    if (!doc) return
    inserting = true
    try {
      let insertion = batch.value.insertion
      if (!insertion) {
        insertion = buildInsertion()
        if (!insertion) {
          finish(doc.url)
          return
        }
        // The key and body are saved BEFORE the request leaves: if the page dies mid-request, the
        // retry after reload reuses them and the server does not insert twice.
        batch.value.insertion = insertion
        await deps.persist()
      }
      for (const id of insertion.itemIds) {
        const item = find(id)
        if (item && item.status !== 'inserted') setStatus(item, 'inserting', { error: null })
      }
      const { response, failure } = await send(doc.docId, insertion)
      if (response) {
        applyBlocks(insertion, response.blocks)
        for (const id of insertion.itemIds) {
          const item = find(id)
          // The server lists one block per item; one missing means it did not go in.
          if (item?.status === 'inserting') setStatus(item, 'failed', { error: { code: 'not_inserted', retryable: false } })
        }
        finish(response.documentUrl)
      } else if (failure instanceof ApiError && failure.code === 'resource_used') {
        // The rest go in as a new batch (new key), right after what is in.
        batch.value.insertion = null
        for (const id of insertion.itemIds) {
          const item = find(id)
          if (item?.status === 'inserting') setStatus(item, 'uploaded', { error: null })
        }
        insertAgain = true
      } else if (failure instanceof ApiError && failure.code === 'insertion_uncertain') {
        askAboutUncertain(insertion, failure, doc.url)
      } else if (failure instanceof ApiError && failure.code === 'resource_invalid' && !batch.value.tokensRenewed) {
        renewTokens(insertion)
      } else {
        const error = toItemError(failure)
        for (const id of insertion.itemIds) {
          const item = find(id)
          if (item && item.status !== 'inserted') setStatus(item, 'failed', { error: { ...error, retryable: true } })
        }
        // Keep `insertion` so "retry" sends the same key and body; the server finishes the rest.
        batch.value.receipt = { documentUrl: doc.url }
      }
      await deps.persist()
      deps.pump()
    } finally {
      inserting = false
      if (insertAgain) {
        insertAgain = false
        maybeInsert()
      }
    }
  }

  /**
   * A question for the person: the server could not tell whether these items are already in the
   * document. They are shown as failed with that reason; "retry failed items" sends them as a new
   * batch, which the person chooses after checking the document.
   */
  function askAboutUncertain(insertion: PendingInsertion, failure: ApiError, documentUrl: string): void {
    const unsure = new Set(uncertainDetails(failure)?.uncertainResourceIds ?? [])
    batch.value.insertion = null
    for (const id of insertion.itemIds) {
      const item = find(id)
      if (!item || item.status === 'inserted') continue
      const code = item.resource && unsure.has(item.resource.resourceId) ? 'insertion_uncertain' : 'not_inserted'
      setStatus(item, 'failed', { error: { code, retryable: true } })
    }
    batch.value.receipt = { documentUrl }
  }

  /**
   * Resource tokens expire (the queue may resume a day later): upload those items again and insert
   * them with a new key. Only once, so a real mismatch still ends in the receipt.
   */
  function renewTokens(insertion: PendingInsertion): void {
    batch.value.tokensRenewed = true
    batch.value.insertion = null
    for (const id of insertion.itemIds) {
      const item = find(id)
      if (!item || item.status === 'inserted') continue
      if (deps.blobs.has(id)) setStatus(item, 'ready', { resource: null, attempts: 0, progress: 0, error: null })
      else setStatus(item, 'failed', { error: { code: 'interrupted', retryable: false } })
    }
    insertAgain = true
  }

  /**
   * Retry from the receipt. A failed insertion is sent again with the same key and body (the server
   * skips what is already in). Items whose upload failed are uploaded again and inserted with a
   * new key, right after the items already in the document.
   */
  function retryFailed(): void {
    if (!batch.value.receipt) return
    batch.value.receipt = null
    if (!batch.value.insertion) {
      for (const item of deps.items.value) {
        if (item.status === 'failed' && !item.resource && deps.blobs.has(item.id)) {
          setStatus(item, 'ready', { error: null, attempts: 0, progress: 0 })
        } else if (item.status === 'failed' && item.resource && item.error?.retryable) {
          // Uploaded but not (surely) in: the person chose to insert it again, as a new batch.
          setStatus(item, 'uploaded', { error: null })
        }
      }
    }
    void deps.persist()
    deps.pump()
    maybeInsert()
  }

  return { maybeInsert, retryFailed }
}
