import { describe, expect, it } from 'vitest'
import { createStore } from 'idb-keyval'
import { createResumableUrlStorage } from './resumable-url-storage'

describe('createResumableUrlStorage', () => {
  it('remembers an upload URL by fingerprint across instances (a reload) and forgets it on request', async () => {
    const use = () => createStore('doc-attach-uploads-test', 'queue')
    const first = createResumableUrlStorage(use)
    const upload = {
      size: 60_000_000,
      metadata: { filename: 'inspection.mp4' },
      creationTime: '2026-12-01T14:03:00.000Z',
      uploadUrl: '/api/documents/doc1/uploads/0123456789abcdef0123456789abcdef',
      parallelUploadUrls: null,
      urlStorageKey: '',
    }
    const key = await first.addUpload('doc-attach:doc1:abc:60000000', upload)

    const afterReload = createResumableUrlStorage(use)
    const found = await afterReload.findUploadsByFingerprint('doc-attach:doc1:abc:60000000')
    expect(found).toEqual([{ ...upload, urlStorageKey: key }])
    expect(await afterReload.findUploadsByFingerprint('doc-attach:doc1:other:1')).toEqual([])
    expect(await afterReload.findAllUploads()).toHaveLength(1)

    await afterReload.removeUpload(key)
    expect(await afterReload.findUploadsByFingerprint('doc-attach:doc1:abc:60000000')).toEqual([])
  })
})
