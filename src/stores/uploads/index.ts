/**
 * The upload queue's public surface: the store components use, and the types they show. The
 * stages behind it (docs/upload-pipeline.md#the-queue-useuploadsstore-id-uploads) are internal to
 * this folder.
 */
export { useUploadsStore, type KeptQueue } from './store'
export type { Batch, ItemError, ItemStatus, PendingInsertion, QueueItem, TargetDocument } from './queue-item'
export type { WaitingBatch } from './batches'
export { DEFAULT_LIMITS } from './restrictions'
export { QUEUE_SETTINGS } from './settings'
export { backoffDelay } from './uploader'
export { alreadyInDocument } from './decisions'
