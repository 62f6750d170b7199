/**
 * Undo and redo for the markup editor: the list of marks after each change, as plain immutable
 * states (pure functions, so the editor and its tests share them).
 */
import type { Mark } from '@/media/marks'

export interface MarksHistory {
  past: Mark[][]
  present: Mark[]
  future: Mark[][]
}

/** How many changes can be undone (a long pen session must not grow memory without end). */
const MAX_STEPS = 100

export function startHistory(marks: Mark[]): MarksHistory {
  return { past: [], present: marks, future: [] }
}

/** A change: it can be undone, and it drops what was undone before it. */
export function commit(history: MarksHistory, next: Mark[]): MarksHistory {
  return { past: [...history.past, history.present].slice(-MAX_STEPS), present: next, future: [] }
}

export function undo(history: MarksHistory): MarksHistory {
  const previous = history.past[history.past.length - 1]
  if (!previous) return history
  return { past: history.past.slice(0, -1), present: previous, future: [history.present, ...history.future] }
}

export function redo(history: MarksHistory): MarksHistory {
  const [next, ...rest] = history.future
  if (!next) return history
  return { past: [...history.past, history.present], present: next, future: rest }
}
