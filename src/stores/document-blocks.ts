/**
 * The target document's top-level blocks, for choosing where a batch goes ("after" one of them;
 * GET /api/documents/:docId/blocks). Loaded only when the position picker opens: most people never
 * open it, and each load costs a DingTalk call.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { BlockSummary } from '@contract/api'
import { getBlocks } from '@/api/blocks'

export const useDocumentBlocksStore = defineStore('documentBlocks', () => {
  /** The document the blocks (or the error) belong to. */
  const docId = ref<string | null>(null)
  const blocks = ref<BlockSummary[]>([])
  const loading = ref(false)
  const error = ref<unknown>(null)
  /** Only the latest load may write: an answer for a document left behind is dropped. */
  let latest = 0

  async function load(id: string): Promise<void> {
    const call = ++latest
    docId.value = id
    blocks.value = []
    loading.value = true
    error.value = null
    try {
      const answer = await getBlocks(id)
      if (call === latest) blocks.value = answer.items
    } catch (err) {
      if (call === latest) error.value = err
    } finally {
      if (call === latest) loading.value = false
    }
  }

  return { docId, blocks, loading, error, load }
})
