import type { Page } from '../types'

/** A page of items; an empty or missing `nextToken` means the last page. */
export function page<T>(items: T[], nextToken: string | null | undefined): Page<T> {
  return { items, nextToken: nextToken ? nextToken : null }
}

/** A requested page size within 1..max (max when not given). */
export function clampPageSize(requested: number | undefined, max: number): number {
  if (requested === undefined || !Number.isFinite(requested)) return max
  return Math.min(max, Math.max(1, Math.floor(requested)))
}
