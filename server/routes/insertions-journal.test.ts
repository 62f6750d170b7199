/**
 * POST /api/documents/:docId/insertions in every emulator answer profile: the insertion journal
 * across restarts: a finished batch replays without DingTalk calls, a batch cut short by a dying
 * process finishes exactly once, an empty journal with Idempotency-Retry, and a journal that cannot
 * write. Shared setup: testing/insertions-harness.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { InsertionUncertainDetailsSchema, type InsertionResponse } from '@contract/api'
import { createMemoryInsertionJournal, openFileInsertionJournal, type InsertionJournal } from '../services/insertion/insertion-journal'
import { describeBlock, documentBlocks } from '@testing/app-helpers'
import { PROFILES } from '../emulator/index'
import { DOC, writes, kinds, newKey, errorOf, useInsertionsHarness } from '@testing/insertions-harness'

/** A DingTalk client that stops working as if the process died (not a DingTalk failure). */
class ProcessDied extends Error {}

describe.each(PROFILES)('POST /api/documents/:docId/insertions, the journal across restarts (%s answers)', (profile) => {
  const h = useInsertionsHarness(profile)
  const { photos, insert, inserted, itemsOf, secondApp, expectedKinds, callMark, callsSince, expectOnceInOrder } = h

  /** A second app whose process dies (ProcessDied) when it starts insert number `inserts + 1`. */
  function appDyingAfter(inserts: number, journal: InsertionJournal): Promise<FastifyInstance> {
    let insertsLeft = inserts
    return secondApp(
      (api) => ({
        ...api,
        insertBlock: async (...args) => {
          if (insertsLeft-- === 0) throw new ProcessDied('the process died here')
          return api.insertBlock(...args)
        },
      }),
      journal,
    )
  }

  /** A fresh journal directory; each `open` is what a new process on that DATA_DIR sees. */
  async function journalDir() {
    const dir = await mkdtemp(join(tmpdir(), 'insertion-journal-'))
    dirs.push(dir)
    return { dir, open: () => openFileInsertionJournal(dir) }
  }
  const dirs: string[] = []
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  it('after a restart on the same journal, replays a finished batch without any DingTalk call', async () => {
    const journal = await journalDir()
    const before = await secondApp(undefined, await journal.open())
    const batch = await photos(2)
    const key = newKey()
    const body = { items: itemsOf(batch, { 1: '复查' }) }
    let first: InsertionResponse
    try {
      first = await inserted(await insert(h.owner, body, key, DOC, before))
    } finally {
      await before.close()
    }
    const restarted = await secondApp(undefined, await journal.open())
    try {
      const mark = await callMark()
      const again = await inserted(await insert(h.owner, body, key, DOC, restarted))
      expect(again).toEqual(first)
      expect(await callsSince(mark)).toEqual([])
    } finally {
      await restarted.close()
    }

    // The same key with other content after another restart (the in-memory key check is gone):
    // a new request, never the old result.
    const [other] = await photos(1)
    const third = await secondApp(undefined, await journal.open())
    try {
      const fresh = await inserted(await insert(h.owner, { items: itemsOf([other!]) }, key, DOC, third))
      expect(fresh.blocks.map((bl) => bl.resourceId)).toEqual([other!.resourceId])
      await expectOnceInOrder([other!])
    } finally {
      await third.close()
    }
  })

  it('finishes a batch exactly once after the process died mid-batch and a new one started on the same journal', async () => {
    const journal = await journalDir()
    const batch = await photos(5)
    const dying = await appDyingAfter(2, await journal.open())
    const key = newKey()
    const body = { items: itemsOf(batch) }
    try {
      const crashed = await insert(h.owner, body, key, DOC, dying)
      expect(crashed.statusCode).toBe(500)
    } finally {
      await dying.close()
    }
    const srcs = (await documentBlocks(h.t.emulatorUrl, DOC)).map(describeBlock)
    expect(batch.filter((r) => srcs.includes(`img:${r.resourceUrl}`))).toHaveLength(2)

    const restarted = await secondApp(undefined, await journal.open())
    try {
      const mark = await callMark()
      const done = await inserted(await insert(h.owner, body, key, DOC, restarted))
      expect(done.blocks.map((bl) => bl.resourceId)).toEqual(batch.map((r) => r.resourceId))
      // The new process knew a step was being written: it read the document once and inserted only the rest.
      expect(kinds(await callsSince(mark))).toEqual(expectedKinds(3, { readBefore: true }))
      await expectOnceInOrder(batch)

      const mark2 = await callMark()
      expect(await inserted(await insert(h.owner, body, key, DOC, restarted))).toEqual(done)
      expect(await callsSince(mark2)).toEqual([])
    } finally {
      await restarted.close()
    }
  })

  it('with an EMPTY journal and Idempotency-Retry: true, finishes exactly once where DingTalk shows content, else asks', async () => {
    // DATA_DIR did not survive (ephemeral disk, another instance): only the client knows it sent the key before.
    const batch = await photos(5)
    const dying = await appDyingAfter(2, createMemoryInsertionJournal())
    const key = newKey()
    const body = { items: itemsOf(batch) }
    try {
      expect((await insert(h.owner, body, key, DOC, dying)).statusCode).toBe(500)
    } finally {
      await dying.close()
    }
    const srcs = (await documentBlocks(h.t.emulatorUrl, DOC)).map(describeBlock)
    expect(batch.filter((r) => srcs.includes(`img:${r.resourceUrl}`))).toHaveLength(2)

    const fresh = await secondApp(undefined, createMemoryInsertionJournal())
    try {
      const mark = await callMark()
      const res = await insert(h.owner, body, key, DOC, fresh, { 'idempotency-retry': 'true' })
      if (profile === 'rich') {
        // The photos show in what DingTalk reads back: the two that are in are found, the rest go in after them.
        const done = await inserted(res)
        expect(done.blocks.map((bl) => bl.resourceId)).toEqual(batch.map((r) => r.resourceId))
        expect(kinds(await callsSince(mark))).toEqual(['GET blocks', 'POST blocks', 'POST blocks', 'POST blocks'])
        await expectOnceInOrder(batch)
        // The header on a key this process finished still replays, with no DingTalk call.
        const mark2 = await callMark()
        expect(await inserted(await insert(h.owner, body, key, DOC, fresh, { 'idempotency-retry': 'true' }))).toEqual(done)
        expect(await callsSince(mark2)).toEqual([])
      } else {
        // Our earlier photo paragraphs cannot be told from anyone's empty lines: a question, not a guess.
        expect(res.statusCode, res.body).toBe(409)
        const error = errorOf(res.body)
        expect(error.code).toBe('insertion_uncertain')
        const details = InsertionUncertainDetailsSchema.parse(error.details)
        expect(details.blocks).toEqual([])
        expect(details.uncertainResourceIds).toEqual(expect.arrayContaining(batch.slice(0, 2).map((r) => r.resourceId)))
        expect(writes(await callsSince(mark))).toEqual([])
        const after = (await documentBlocks(h.t.emulatorUrl, DOC)).map(describeBlock)
        for (const r of batch.slice(0, 2)) expect(after.filter((s) => s === `img:${r.resourceUrl}`)).toHaveLength(1)
      }
    } finally {
      await fresh.close()
    }
  })

  it('writes nothing to DingTalk when the journal cannot record the first step, and answers 500', async () => {
    const journal = createMemoryInsertionJournal()
    const app = await secondApp(undefined, {
      ...journal,
      put: async () => {
        throw new Error('disk full')
      },
    })
    try {
      const [p] = await photos(1)
      const mark = await callMark()
      const res = await insert(h.owner, { items: itemsOf([p!]) }, newKey(), DOC, app)
      expect(res.statusCode).toBe(500)
      expect(errorOf(res.body).code).toBe('internal_error')
      expect(writes(await callsSince(mark))).toEqual([])
    } finally {
      await app.close()
    }
  })

  it('still answers 201 when the result cannot be recorded; a later retry rebuilds it from the steps and inserts nothing', async () => {
    const journal = createMemoryInsertionJournal()
    const forgetful = await secondApp(undefined, {
      ...journal,
      put: async (id, record) => {
        if (record.state === 'done') throw new Error('disk full')
        return journal.put(id, record)
      },
    })
    const batch = await photos(2)
    const key = newKey()
    const body = { items: itemsOf(batch) }
    let first: InsertionResponse
    try {
      first = await inserted(await insert(h.owner, body, key, DOC, forgetful))
    } finally {
      await forgetful.close()
    }
    const restarted = await secondApp(undefined, journal)
    try {
      const mark = await callMark()
      expect(await inserted(await insert(h.owner, body, key, DOC, restarted))).toEqual(first)
      expect(await callsSince(mark)).toEqual([])
      await expectOnceInOrder(batch)
    } finally {
      await restarted.close()
    }
  })
})
