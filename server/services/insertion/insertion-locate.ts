/**
 * Finding a batch's blocks in the document by their place (docs/architecture.md "Exactly-once
 * insertion"). Every step is written against one fixed reference, the newest step always right next
 * to it, so reading outward from the reference the document shows: the steps that are in, newest
 * first, then whatever was next to the reference before the first write (`far`) — possibly with
 * someone else's blocks in between. Comparing block ids there tells whether a write whose answer was
 * lost went in, and which block a bare answer made, without DingTalk echoing our content.
 */
import type { StoredBlock } from '../../dingtalk/types'
import type { Reference } from './insertion-journal'
import type { Match } from './insertion-plan'

/**
 * The blocks read outward from `ref`, nearest first: for `end` from the last block backwards, for
 * `before` from the block before it backwards, for `start` from the first block on, for `after`
 * from the block after it on. Null when the reference block is not in the document.
 */
export function outward(blocks: StoredBlock[], ref: Reference): StoredBlock[] | null {
  switch (ref.kind) {
    case 'end':
      return [...blocks].reverse()
    case 'start':
      return [...blocks]
    case 'before':
    case 'after': {
      const at = blocks.findIndex((b) => b.id === ref.blockId)
      if (at < 0) return null
      return ref.kind === 'before' ? blocks.slice(0, at).reverse() : blocks.slice(at + 1)
    }
  }
}

/** A written step as locate sees it: its block id when known, else how a block compares with it. */
export interface LocatedStep {
  known: string | null
  match: (block: StoredBlock) => Match
}

export interface LocateInput {
  /** The document read outward from the reference (see `outward`). */
  outward: StoredBlock[]
  /** The batch's steps in writing order. Steps with a known id are in. */
  steps: LocatedStep[]
  /** How many steps (in writing order) may be in: each is checked against the document. */
  candidates: number[]
  /** What was next to the reference before the first write: an id, null for nothing, undefined when unknown. */
  far: string | null | undefined
}

export interface Located {
  /** The candidates the document agrees with (one way or more). */
  consistent: number[]
  /** Exactly one reading of the document: how many steps are in and the block id of each. */
  settled: { n: number; ids: string[] } | null
  /** The first reading of `n` steps in, if the document allows one (for a decision on words alone). */
  reading(n: number): string[] | null
}

/**
 * Without an anchor (no block id known, and what was next to the reference unknown) the document
 * cannot say which blocks are new, so nothing is taken as someone else's: steps 0..n-1 must be the
 * n blocks nearest the reference, newest nearest, and nothing beyond may plainly be ours. Only
 * DingTalk showing our content (a photo's `src`) usually settles this.
 */
function locateUnanchored(near: StoredBlock[], steps: LocatedStep[], candidates: number[]): Located {
  const plainlyOursFrom: boolean[] = []
  for (let k = near.length - 1; k >= 0; k--) {
    const block = near[k]!
    plainlyOursFrom[k] = steps.some((s) => s.match(block) === 'yes') || (plainlyOursFrom[k + 1] ?? false)
  }
  const fits = (n: number) =>
    n <= near.length &&
    n <= steps.length &&
    steps.slice(0, n).every((step, i) => step.match(near[n - 1 - i]!) !== 'no') &&
    !(plainlyOursFrom[n] ?? false)
  const reading = (n: number) =>
    fits(n)
      ? near
          .slice(0, n)
          .map((b) => b.id)
          .reverse()
      : null
  const consistent = candidates.filter(fits)
  const only = consistent.length === 1 ? consistent[0] : undefined
  const ids = only === undefined ? null : reading(only)
  return { consistent, settled: ids && only !== undefined ? { n: only, ids } : null, reading }
}

/** Readings of the document with the fewest blocks left to someone else, and how many (2 = two or more). */
interface Best {
  others: number
  ways: number
}
const NONE: Best = { others: Infinity, ways: 0 }

function better(a: Best, b: Best): Best {
  if (a.others !== b.others) return a.others < b.others ? a : b
  return { others: a.others, ways: Math.min(a.ways + b.ways, 2) }
}

/**
 * Reads the document for each candidate count `n` of steps in. The newest step with a known id (or,
 * before any, `far`) anchors the reading; the blocks between it and the reference are the new ones:
 * the unknown steps that are in are among them in writing order (each a block that may be that step),
 * every other new block is someone else's and must not plainly be ours. When nothing anchors (no id
 * known and `far` unknown or deleted since), the whole side of the document counts as new.
 *
 * Of all readings, those leaving the fewest blocks to someone else win: a lone new block that may be
 * ours is taken as ours (someone adding a look-alike block at that very spot in those seconds, with
 * our write not applied, is the one case DingTalk's documented answers cannot tell). Settled when
 * exactly one reading wins; two equally good readings (e.g. two new empty lines for one photo) are a
 * question for the person.
 */
export function locate(input: LocateInput): Located {
  const { steps, outward: near } = input
  let anchor = -1
  steps.forEach((s, i) => {
    if (s.known !== null) anchor = i
  })
  const anchorId = anchor >= 0 ? steps[anchor]?.known : typeof input.far === 'string' ? input.far : undefined
  let newCount = near.length
  // far === null: nothing was on that side before the first write, so everything there is new.
  let anchored = anchor < 0 && input.far === null
  if (anchorId) {
    const at = near.findIndex((b) => b.id === anchorId)
    // A block of ours is gone: there is nothing to read by.
    if (at < 0 && anchor >= 0) return { consistent: [], settled: null, reading: () => null }
    if (at >= 0) {
      newCount = at
      anchored = true
    }
  }
  if (!anchored) return locateUnanchored(near, steps, input.candidates)
  // New blocks from the anchor's side towards the reference: the order steps were written in.
  const fresh = near.slice(0, newCount).reverse()
  const unknown = steps.slice(anchor + 1)
  const plainlyOurs = fresh.map((b) => steps.some((s) => s.match(b) === 'yes'))
  const known = steps.slice(0, anchor + 1).map((s) => s.known ?? '')

  /** best[i][j]: readings of fresh[0..i) with unknown[0..j) placed. */
  const table = (k: number): Best[][] => {
    const best = Array.from({ length: fresh.length + 1 }, () => new Array<Best>(k + 1).fill(NONE))
    best[0]![0] = { others: 0, ways: 1 }
    for (let i = 0; i < fresh.length; i++) {
      const block = fresh[i]!
      for (let j = 0; j <= k; j++) {
        const here = best[i]![j]!
        if (here.ways === 0) continue
        if (!plainlyOurs[i]) best[i + 1]![j] = better(best[i + 1]![j]!, { others: here.others + 1, ways: here.ways })
        if (j < k && unknown[j]!.match(block) !== 'no') best[i + 1]![j + 1] = better(best[i + 1]![j + 1]!, here)
      }
    }
    return best
  }
  const stepsToPlace = (n: number) => {
    const k = n - (anchor + 1)
    return k < 0 || k > unknown.length ? null : k
  }
  /** The ids of steps 0..n-1 in the best reading (the first found), or null when there is none. */
  const reading = (n: number): string[] | null => {
    const k = stepsToPlace(n)
    if (k === null) return null
    const best = table(k)
    if (best[fresh.length]![k]!.ways === 0) return null
    const ids: string[] = []
    let j = k
    for (let i = fresh.length; i > 0; i--) {
      const target = best[i]![j]!.others
      const block = fresh[i - 1]!
      const placed = j > 0 ? best[i - 1]![j - 1]! : NONE
      if (j > 0 && unknown[j - 1]!.match(block) !== 'no' && placed.ways > 0 && placed.others === target) {
        ids.unshift(block.id)
        j--
      }
    }
    return [...known, ...ids]
  }

  const results = input.candidates.map((n) => {
    const k = stepsToPlace(n)
    return k === null ? NONE : table(k)[fresh.length]![k]!
  })
  const consistent = input.candidates.filter((_, i) => (results[i]?.ways ?? 0) > 0)
  const overall = results.reduce(better, NONE)
  const winners = input.candidates.filter((_, i) => results[i]?.ways && results[i]?.others === overall.others)
  const only = overall.ways === 1 ? winners[0] : undefined
  const ids = only === undefined ? null : reading(only)
  return { consistent, settled: ids && only !== undefined ? { n: only, ids } : null, reading }
}
