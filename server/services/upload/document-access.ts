/**
 * May this person add to this document? Asked at tus creation (and on each PATCH) right after the
 * session and CSRF checks, before any byte is staged: answered with wiki GetNode
 * (docs/dingtalk.md#wiki) the way `POST …/resources` would be answered by GetResourceUploadInfo
 * (404 `document_not_found`, 403 `forbidden`). The answer is kept briefly per person and document
 * in the shared store, so the PATCHes of a resumed upload, on any replica, cost no DingTalk call.
 */
import type { ErrorCode } from '@contract/api'
import type { DingTalkApi } from '../../dingtalk/types'
import { AppError, toAppError } from '../../errors'
import type { SharedStore } from '../../store/types'
import { EDITOR_ROLES } from '../browse/browse'

/** How long an answer is kept: short, so access taken away stops new bytes within a minute. */
export const DOCUMENT_ACCESS_TTL_MS = 60_000

const REFUSALS: Partial<Record<ErrorCode, { status: number; message: string }>> = {
  forbidden: { status: 403, message: 'You cannot add to that document.' },
  document_not_found: { status: 404, message: 'The document was not found in DingTalk.' },
}

export interface DocumentAccess {
  /**
   * Resolves when `unionId` may add to `docId`.
   * @throws AppError 404 document_not_found, 403 forbidden; DingTalk's own failures (502/503/429) as mapped.
   */
  checkCanAdd(docId: string, unionId: string): Promise<void>
}

export function createDocumentAccess(deps: { dingtalk: DingTalkApi; store: SharedStore }): DocumentAccess {
  const { dingtalk, store } = deps
  const refusal = (code: ErrorCode) => {
    const known = REFUSALS[code]
    return known ? new AppError(code, known) : null
  }
  const judge = async (docId: string, unionId: string): Promise<ErrorCode | 'ok'> => {
    try {
      const node = await dingtalk.getNode(docId, unionId)
      // A folder or a node that is not a document cannot take attachments (GetResourceUploadInfo: docNotExist).
      if (node.type === 'FOLDER' || (node.category !== undefined && node.category !== 'ALIDOC')) return 'document_not_found'
      // Profiles that leave the role out are judged later by GetResourceUploadInfo itself.
      if (node.permissionRole !== undefined && !EDITOR_ROLES.has(node.permissionRole)) return 'forbidden'
      return 'ok'
    } catch (err) {
      const mapped = toAppError(err)
      if (mapped instanceof AppError && refusal(mapped.code)) return mapped.code
      throw mapped
    }
  }
  return {
    async checkCanAdd(docId, unionId) {
      const key = `document-access:${unionId}:${docId}`
      let answer = (await store.getValue(key)) as ErrorCode | 'ok' | null
      if (answer === null) {
        answer = await judge(docId, unionId)
        await store.setValue(key, answer, DOCUMENT_ACCESS_TTL_MS)
      }
      if (answer === 'ok') return
      throw refusal(answer) ?? new AppError('forbidden', { status: 403, message: 'You cannot add to that document.' })
    },
  }
}
