import { describe, expect, it } from 'vitest'
import type { EvidenceClaim } from '@contract/api'
import { evidenceHeaderValue } from '@/api/evidence'
import { useSessionStore } from '@/stores/session'
import { errorReply, pdf, photo, uploaded, useQueueHarness, LIMITS, type UploadsStore } from '@testing/uploads-harness'
import type { FakeRequest } from '@testing/fake-api'

const queue = useQueueHarness()
const { serve, until, uploadCalls } = queue

let userSeq = 0
let codeSeq = 0
/** A code in the contract's shape (Crockford base32, three groups of four). */
const nextCode = () => `AAAA-BBBB-${String(++codeSeq).padStart(4, '0')}`

function serveEvidence(options: { evidenceDefault?: boolean; codes?: boolean } = {}): void {
  serve({
    config: {
      status: 200,
      body: {
        mode: 'sandbox',
        corpId: 'ding-emulator-corp',
        limits: LIMITS,
        evidence: { available: true, default: options.evidenceDefault ?? false },
      },
    } as never,
  })
  if (options.codes !== false) serveCodes()
}

function serveCodes(): void {
  queue.api.on('POST /evidence/codes', (request) => ({
    status: 200,
    body: {
      codes: Array.from({ length: (request.body as { count: number }).count }, nextCode),
      expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    },
  }))
}

/** The claim an upload carried in X-Evidence (base64url JSON), or null. */
function claimOf(request: FakeRequest): EvidenceClaim | null {
  const header = request.headers['x-evidence']
  if (!header) return null
  const binary = atob(header.replace(/-/g, '+').replace(/_/g, '/'))
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))) as EvidenceClaim
}

/** A store as the page opens it for a signed-in person, with a stand-in for the canvas stamp. */
async function openSignedIn(): Promise<{ store: UploadsStore; stamped: string[][] }> {
  const store = await queue.openStore()
  const stamped: string[][] = []
  store.prepareDeps.encoder = {
    ...store.prepareDeps.encoder!,
    // As deterministic as the real compose step: the prepared bytes followed by the stamp's lines.
    compose: async ({ blob, layers, outputType }) => {
      if (layers.stamp) stamped.push(layers.stamp.lines)
      const composed = new Blob([await blob.arrayBuffer(), JSON.stringify(layers)], { type: outputType })
      return { blob: composed, width: 48, height: 64, resized: false }
    },
  }
  const userId = `user-${++userSeq}`
  useSessionStore().user = { userId, name: '李娜' } as never
  await store.open({ docId: 'docA1', name: 'Site diary', url: 'https://alidocs.dingtalk.com/i/nodes/docA1' }, userId)
  await until(() => store.evidenceConfig.available, 'config read')
  return { store, stamped }
}

describe('evidence stamping in the queue', () => {
  it('the stamp default is the organisation’s until the person chooses, and the choice is remembered', async () => {
    localStorage.removeItem('doc-attach.evidenceStamp')
    serveEvidence({ evidenceDefault: true })
    const { store } = await openSignedIn()
    expect(store.stampOn).toBe(true)
    store.setEvidenceStamp(false)
    expect(store.stampOn).toBe(false)
    expect(localStorage.getItem('doc-attach.evidenceStamp')).toBe('off')
  })

  it('stamps photos (not files), overrides "original", and sends the stamped lines as X-Evidence', async () => {
    serveEvidence()
    const { store, stamped } = await openSignedIn()
    store.setOriginal(true)
    store.setEvidenceStamp(true)
    store.addFiles([await photo('IMG_1.jpg'), pdf('plan.pdf')])
    await until(() => uploadCalls().length === 2 && store.items.every((i) => i.status === 'uploaded'), 'both uploaded')

    const [photoItem, fileItem] = store.items
    expect(photoItem?.original).toBe(false)
    expect(stamped).toHaveLength(1)
    const photoCall = uploadCalls().find((c) => c.params.name?.startsWith('IMG_1'))!
    const claim = claimOf(photoCall)!
    expect(claim.lines).toEqual(stamped[0])
    expect(claim.takenAtSource).toBe('picked')
    expect(claim.takenAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00[+-]\d\d:\d\d$/)
    expect(claim.place).toBeNull()
    expect(claim.lines.slice(1)).toEqual(['Document Site diary', 'By 李娜', `Code ${claim.code}`, `${location.origin}/v/${claim.code}`])
    // The hash sent is of the stamped bytes.
    expect(photoCall.headers['x-content-sha256']).toBe(photoItem?.sha256)
    expect(claimOf(uploadCalls().find((c) => c.params.name === 'plan.pdf')!)).toBeNull()
    expect(fileItem?.evidence ?? null).toBeNull()
  })

  it('a refused code (409 used, 403 not issued) is replaced: new code, new stamp, sent again without asking', async () => {
    serveEvidence()
    let n = 0
    queue.api.on('POST /documents/docA1/resources', (request) => {
      n++
      if (n === 1) return errorReply(409, 'evidence_code_used')
      if (n === 2) return errorReply(403, 'evidence_code_not_issued')
      return uploaded(request)
    })
    const { store, stamped } = await openSignedIn()
    store.setEvidenceStamp(true)
    store.addFiles([await photo('IMG_2.jpg')])
    await until(() => store.items[0]?.status === 'uploaded', 'uploaded after two re-stamps')

    const codes = uploadCalls().map((c) => claimOf(c)?.code)
    expect(new Set(codes).size).toBe(3)
    expect(stamped).toHaveLength(3)
    expect(store.items[0]?.evidence?.claim?.code).toBe(codes[2])
    expect(store.items[0]?.error).toBeNull()
  })

  it('with no codes on the device a photo waits unstamped, then is stamped and sent when codes arrive', async () => {
    serveEvidence({ codes: false })
    queue.api.on('POST /evidence/codes', { fail: 'network' })
    const { store, stamped } = await openSignedIn()
    store.setEvidenceStamp(true)
    store.addFiles([await photo('IMG_3.jpg')])
    await until(() => store.items[0]?.evidence?.waiting === true, 'waiting for a code')
    expect(store.items[0]?.status).toBe('preparing')
    expect(uploadCalls()).toHaveLength(0)

    serveCodes()
    window.dispatchEvent(new Event('online'))
    await until(() => store.items[0]?.status === 'uploaded', 'stamped and uploaded')
    expect(stamped).toHaveLength(1)
    expect(claimOf(uploadCalls()[0]!)?.code).toBe(store.items[0]?.evidence?.claim?.code)
  })
})

describe('the X-Evidence header', () => {
  it('is base64url (no +, /, =) of the claim’s UTF-8 JSON', () => {
    const claim: EvidenceClaim = {
      code: 'AAAA-BBBB-CCCC',
      takenAt: '2026-12-01T14:03:00+08:00',
      takenAtSource: 'exif',
      place: '上海 外滩???>>>',
      lines: ['拍摄于 2026-12-01 14:03 UTC+08:00', '地点 上海 外滩???>>>'],
    }
    const value = evidenceHeaderValue(claim)
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(claimOf({ headers: { 'x-evidence': value } } as unknown as FakeRequest)).toEqual(claim)
  })
})
