/**
 * Reading back JSON this server stored itself (Redis values, DATA_DIR lines). A torn write or a
 * value from another version is not an error to answer with: callers decide what "unreadable" means.
 */
import type { z } from 'zod'

/** `text` parsed and checked against `schema`; null when it is not JSON or not that shape. */
export function parseStoredJson<S extends z.ZodType>(schema: S, text: string): z.infer<S> | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  const parsed = schema.safeParse(value)
  return parsed.success ? parsed.data : null
}
