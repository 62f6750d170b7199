/**
 * Resources and blocks against the in-process emulator: a streamed upload, an expired or mismatched
 * upload URL, and inserting into a document.
 */
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import {
  callsTo,
  client,
  control,
  emuClock,
  generated,
  uploadReq,
  useClientEmulator,
  WANG,
  WEEKLY,
  ZHANG,
} from '@testing/dingtalk-emulator'
import { failure } from '@testing/dingtalk-client'

useClientEmulator()

// ---- upload ------------------------------------------------------------------------------

describe('putResource', () => {
  it('streams 50 MB from a generator to the upload URL, which accepts it', async () => {
    const { api } = client()
    const size = 50 * 1024 * 1024
    const info = await api.getResourceUploadInfo(WEEKLY.docId, ZHANG.unionId, {
      size,
      mediaType: 'application/zip',
      resourceName: 'big.zip',
    })
    await api.putResource(info.uploadUrl, Readable.from(generated(size)), { mediaType: 'application/zip', size })
    const state = (await control('GET', '/__emulator/state')) as { resources: { resourceId: string; size: number; uploaded: boolean }[] }
    expect(state.resources.find((r) => r.resourceId === info.resourceId)).toMatchObject({ size, uploaded: true })
  })

  it('reports an expired upload URL as uploadUrlExpired (the caller may ask for a new one)', async () => {
    const { api } = client()
    const info = await api.getResourceUploadInfo(WEEKLY.docId, ZHANG.unionId, uploadReq)
    emuClock.advance(3600 * 1000)
    const err = await failure(api.putResource(info.uploadUrl, Readable.from(generated(1024)), { mediaType: 'image/jpeg', size: 1024 }))
    expect(err).toMatchObject({ status: 403, dingtalkCode: 'uploadUrlExpired', retryable: true })
    expect(err.message).not.toContain('Signature')
    expect(await callsTo('/__oss/', 'PUT')).toHaveLength(1)
  })

  it('reports a Content-Type other than the registered mediaType as SignatureDoesNotMatch, once', async () => {
    const { api } = client()
    const info = await api.getResourceUploadInfo(WEEKLY.docId, ZHANG.unionId, uploadReq)
    const err = await failure(api.putResource(info.uploadUrl, Readable.from(generated(1024)), { mediaType: 'image/png', size: 1024 }))
    expect(err).toMatchObject({ status: 403, dingtalkCode: 'SignatureDoesNotMatch', appStatus: 502, retryable: false })
    expect(await callsTo('/__oss/', 'PUT')).toHaveLength(1)
  })
})

// ---- the documented calls, end to end --------------------------------------------------------

describe('document calls', () => {
  it('uploads an image and inserts it into the document with a caption appended', async () => {
    const { api } = client()
    const info = await api.getResourceUploadInfo(WEEKLY.docId, ZHANG.unionId, uploadReq)
    await api.putResource(info.uploadUrl, Readable.from(generated(uploadReq.size)), { mediaType: 'image/jpeg', size: uploadReq.size })
    const block = await api.insertBlock(WEEKLY.docId, ZHANG.unionId, {
      element: { blockType: 'paragraph', paragraph: {}, children: [{ elementType: 'image', properties: { src: info.resourceUrl } }] },
    })
    if (!block) throw new Error('the rich emulator answers the stored block')
    await api.appendParagraphElement(WEEKLY.docId, block.id, ZHANG.unionId, {
      elementType: 'link',
      properties: { href: WEEKLY.url },
      children: [{ text: 'source' }],
    })
    const blocks = await api.queryBlocks(WEEKLY.docId, ZHANG.unionId)
    expect(blocks.at(-1)).toMatchObject({ id: block.id, index: block.index })
  })

  it('maps a read-only insert to forbidden without retrying', async () => {
    const { api } = client()
    const err = await failure(
      api.insertBlock(WEEKLY.docId, WANG.unionId, { element: { blockType: 'paragraph', paragraph: { text: 'x' } } }),
    )
    expect(err).toMatchObject({ status: 403, appCode: 'forbidden' })
    expect(await callsTo(`/v1.0/doc/suites/documents/${WEEKLY.docId}/blocks`, 'POST')).toHaveLength(1)
  })
})
