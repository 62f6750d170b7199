/**
 * What the app needs to start without signal (docs/architecture.md#offline-start): the last
 * `GET /api/config` answer and the last person signed in on this device, kept in localStorage.
 * Both are outside data when read back (an older build, a mangled value), so they are parsed, and
 * an unreadable value counts as absent. Neither proves anything: the session is verified with the
 * server as soon as the network is back.
 */
import { ConfigResponseSchema, UserSchema, type ConfigResponse, type User } from '@contract/api'

const CONFIG_KEY = 'doc-attach:last-config'
const USER_KEY = 'doc-attach:last-user'

function read(key: string): unknown {
  try {
    const raw = globalThis.localStorage?.getItem(key)
    return raw ? (JSON.parse(raw) as unknown) : null
  } catch {
    return null
  }
}

function write(key: string, value: unknown): void {
  try {
    if (value === null) globalThis.localStorage?.removeItem(key)
    else globalThis.localStorage?.setItem(key, JSON.stringify(value))
  } catch {
    // Storage full or disabled: the app then needs the network to start, as it did before.
  }
}

export function rememberConfig(config: ConfigResponse): void {
  write(CONFIG_KEY, config)
}

export function lastConfig(): ConfigResponse | null {
  const parsed = ConfigResponseSchema.safeParse(read(CONFIG_KEY))
  return parsed.success ? parsed.data : null
}

/** The person signed in last on this device (null forgets them: signed out, or the session ended). */
export function rememberUser(user: User | null): void {
  write(USER_KEY, user)
}

export function lastUser(): User | null {
  const parsed = UserSchema.safeParse(read(USER_KEY))
  return parsed.success ? parsed.data : null
}
