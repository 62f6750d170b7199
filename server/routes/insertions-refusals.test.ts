/**
 * POST /api/documents/:docId/insertions in every emulator answer profile: what the route refuses
 * before writing anything: a missing or malformed Idempotency-Key, a bad body, no session or CSRF
 * header, forged or foreign resource tokens, one upload twice, an unknown document, a reader. Shared setup:
 * testing/insertions-harness.ts.
 */
import { describe, expect, it } from 'vitest'
import { signResourceToken } from '../services/upload/resource-token'
import { getRequests } from '@testing/emulator-control'
import { PROFILES } from '../emulator/index'
import { DOC, OTHER_DOC, newKey, errorOf, useInsertionsHarness } from '@testing/insertions-harness'

describe.each(PROFILES)('POST /api/documents/:docId/insertions, refused requests (%s answers)', (profile) => {
  const h = useInsertionsHarness(profile)
  const { photos, insert, itemsOf } = h

  it('needs a well-formed Idempotency-Key and a valid body within the batch limit', async () => {
    const [p] = await photos(1)
    const missing = await insert(h.owner, { items: itemsOf([p!]) }, null)
    expect(missing.statusCode).toBe(428)
    expect(errorOf(missing.body).code).toBe('idempotency_key_required')
    for (const bad of ['short', 'has space in it', 'x'.repeat(129), 'emoji-😀-key']) {
      const res = await insert(h.owner, { items: itemsOf([p!]) }, bad)
      expect(res.statusCode, bad).toBe(400)
      expect(errorOf(res.body).code).toBe('invalid_request')
    }
    for (const body of [{}, { items: [] }, { items: [{ resourceToken: 1 }] }, { items: itemsOf([p!]), position: { where: 'after' } }]) {
      const res = await insert(h.owner, body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(errorOf(res.body).code).toBe('invalid_request')
    }
    const tooMany = Array.from({ length: 11 }, () => ({ resourceToken: p!.resourceToken }))
    const res = await insert(h.owner, { items: tooMany })
    expect(res.statusCode).toBe(400)
    expect(errorOf(res.body).code).toBe('invalid_request')
  })

  it('refuses one upload twice in a batch (400 invalid_request), inserting nothing', async () => {
    const [p, q] = await photos(2)
    const mark = await h.callMark()
    for (const items of [
      [{ resourceToken: p!.resourceToken }, { resourceToken: p!.resourceToken }, { resourceToken: p!.resourceToken }],
      [{ resourceToken: p!.resourceToken }, { resourceToken: q!.resourceToken }, { resourceToken: p!.resourceToken, caption: 'again' }],
    ]) {
      const res = await insert(h.owner, { items })
      expect(res.statusCode).toBe(400)
      expect(errorOf(res.body).code).toBe('invalid_request')
    }
    expect(await h.callsSince(mark)).toEqual([])
  })

  it('needs a session and the CSRF header', async () => {
    const [p] = await photos(1)
    const payload = { items: itemsOf([p!]) }
    const url = `/api/documents/${DOC}/insertions`
    const anonymous = await h.t.inject({ method: 'POST', url, headers: { 'idempotency-key': newKey() }, payload })
    expect(anonymous.statusCode).toBe(401)
    expect(errorOf(anonymous.body).code).toBe('unauthenticated')
    const noCsrf = await h.t.inject({ method: 'POST', url, headers: { cookie: h.owner.cookie, 'idempotency-key': newKey() }, payload })
    expect(noCsrf.statusCode).toBe(403)
    expect(errorOf(noCsrf.body).code).toBe('csrf_failed')
  })

  it('refuses forged tokens and tokens of another person or document before calling DingTalk', async () => {
    const [mine] = await photos(1)
    const [linas] = await photos(1, h.editor)
    const [otherDoc] = await photos(1, h.owner, OTHER_DOC)
    const forged = signResourceToken('not-the-server-secret-0123456789abcdef', {
      resourceId: mine!.resourceId,
      resourceUrl: mine!.resourceUrl,
      kind: 'image',
      name: 'x.png',
      mediaType: 'image/png',
      size: 1,
      docId: DOC,
      unionId: h.owner.user.unionId,
      issuedAt: h.t.clock.now(),
    })
    const callsBefore = (await getRequests(h.t.emulatorUrl)).length
    for (const token of [linas!.resourceToken, otherDoc!.resourceToken, forged, `${mine!.resourceToken}x`, 'garbage']) {
      const res = await insert(h.owner, { items: [{ resourceToken: mine!.resourceToken }, { resourceToken: token }] })
      expect(res.statusCode).toBe(400)
      expect(errorOf(res.body).code).toBe('resource_invalid')
    }
    expect((await getRequests(h.t.emulatorUrl)).slice(callsBefore)).toEqual([])
  })

  it('answers 404 for an unknown document and 403 for a reader', async () => {
    const [p] = await photos(1)
    const claims = {
      resourceId: p!.resourceId,
      resourceUrl: p!.resourceUrl,
      kind: 'image' as const,
      name: p!.name,
      mediaType: p!.mediaType,
      size: p!.size,
      issuedAt: h.t.clock.now(),
    }
    const ghost = signResourceToken(h.t.config.sessionSecret, { ...claims, docId: 'NoSuchDoc123', unionId: h.owner.user.unionId })
    const missing = await insert(h.owner, { items: [{ resourceToken: ghost }] }, newKey(), 'NoSuchDoc123')
    expect(missing.statusCode).toBe(404)
    expect(errorOf(missing.body).code).toBe('document_not_found')

    const readers = signResourceToken(h.t.config.sessionSecret, { ...claims, docId: DOC, unionId: h.reader.user.unionId })
    const forbidden = await insert(h.reader, { items: [{ resourceToken: readers }] })
    expect(forbidden.statusCode).toBe(403)
    expect(errorOf(forbidden.body).code).toBe('forbidden')
  })
})
