/** Progress lines and the final table of the benchmark. */

const started = Date.now()

/** One progress line, prefixed with the seconds since the run began. */
export function progress(phase: string, message: string): void {
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(6)
  console.log(`[${t}s] ${phase.padEnd(8)} ${message}`)
}

export interface TargetCheck {
  name: string
  measured: number
  limit: number
  /** `max`: measured must be ≤ limit; `min`: measured must be ≥ limit. */
  kind: 'max' | 'min'
  pass: boolean
}

/** Builds a target check (measured vs limit). */
export function target(name: string, measured: number, kind: 'max' | 'min', limit: number): TargetCheck {
  const pass = Number.isFinite(measured) && (kind === 'max' ? measured <= limit : measured >= limit)
  return { name, measured, limit, kind, pass }
}
