/**
 * Finding a batch's blocks in the document by their place (docs/architecture.md "Exactly-once
 * insertion"). Every step is written against one fixed reference, the newest step always right next
 * to it, so reading outward from the reference the document shows: the steps that are in, newest
 * first, then whatever was next to the reference before the first write (`far`). Comparing block ids
 * there tells whether a write whose answer was lost went in, and which block a bare answer made —
 * without DingTalk echoing our content back.
 */
import type { StoredBlock } from '../dingtalk/types'
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
  /** The batch's steps in writing order (only the first `max(candidates)` are looked at). */
  steps: LocatedStep[]
  /** How many steps may be in: each candidate is checked against the document. */
  candidates: number[]
  /** What was next to the reference before the first write: an id, null for nothing, undefined when unknown. */
  far: string | null | undefined
}

export interface Located {
  /** The candidates the document agrees with. Exactly one: settled; none or several: uncertain. */
  consistent: number[]
  /** The block ids of steps 0..n-1 if `n` steps are in. */
  idsFor(n: number): string[]
}

/**
 * Checks each candidate count `n` of steps in: the n blocks nearest the reference must be steps
 * n-1..0 (same id where known, else a block that may be that step), and right after them must come
 * `far` — or, when `far` is unknown (or was deleted since), nothing beyond may plainly show one of
 * our resources.
 */
export function locate(input: LocateInput): Located {
  const { steps } = input
  const near = input.outward
  const farGone = typeof input.far === 'string' && !near.some((b) => b.id === input.far)
  const far = farGone ? undefined : input.far
  // plainlyOursFrom[k]: some block at k or beyond is one of ours by id or by what it shows.
  const known = new Set(steps.map((s) => s.known).filter((id): id is string => id !== null))
  const plainlyOursFrom: boolean[] = []
  for (let k = near.length - 1; k >= 0; k--) {
    const block = near[k]
    const ours = !!block && (known.has(block.id) || steps.some((s) => s.match(block) === 'yes'))
    plainlyOursFrom[k] = ours || (plainlyOursFrom[k + 1] ?? false)
  }

  const fits = (n: number): boolean => {
    if (n > near.length || n > steps.length) return false
    for (let i = 0; i < n; i++) {
      const block = near[n - 1 - i]
      const step = steps[i]
      if (!block || !step) return false
      if (step.known !== null ? block.id !== step.known : step.match(block) === 'no') return false
    }
    if (typeof far === 'string') return near[n]?.id === far
    if (far === null) return near.length === n
    return !(plainlyOursFrom[n] ?? false)
  }

  return {
    consistent: input.candidates.filter(fits),
    idsFor: (n) =>
      near
        .slice(0, n)
        .map((b) => b.id)
        .reverse(),
  }
}
