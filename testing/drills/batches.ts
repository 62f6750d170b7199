/** Uploading and inserting batches of photos the way the H5 does, for drills and the benchmark. */
import type { InsertionResponse, Layout, ResourceResponse } from '../../server/contract/api'
import type { ApiClient } from './api-client'
import type { Photo } from '../sample-files'

/** Runs `fn` over `items` with at most `limit` in flight, keeping results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i] as T, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

export interface BatchResult {
  resources: ResourceResponse[]
  insertion: InsertionResponse
}

/**
 * Uploads `photos` (3 at a time, as the H5 queue does), then inserts them in picked order with
 * one insertion request whose Idempotency-Key is reused on every retry.
 */
export async function attachBatch(
  client: ApiClient,
  docId: string,
  photos: readonly Photo[],
  opts: { layout?: Layout; concurrency?: number; idempotencyKey?: string } = {},
): Promise<BatchResult> {
  const resources = await mapLimit(photos, opts.concurrency ?? 3, (photo) =>
    client.upload(docId, { name: photo.name, contentType: 'image/jpeg', size: photo.bytes.length, body: () => photo.bytes }),
  )
  const insertion = await client.insert(
    docId,
    resources.map((r) => ({ resourceToken: r.resourceToken })),
    { layout: opts.layout, idempotencyKey: opts.idempotencyKey },
  )
  return { resources, insertion }
}

/**
 * The image sources a document gained, given its sources before and after: `after` must start
 * with `before` unchanged when everything was appended at the end.
 */
export function appendedSources(before: readonly string[], after: readonly string[]): string[] {
  return after.slice(before.length)
}
