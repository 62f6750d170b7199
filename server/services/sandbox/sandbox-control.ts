/**
 * Sandbox sign-in helpers: the H5's "sign in as demo user" asks the emulator's control API
 * (server/emulator/README.md `/__emulator/state`, `/__emulator/auth-codes`) for a real single-use authCode,
 * then signs in through the very same `POST /api/session` path as inside DingTalk.
 */
import { z } from 'zod'
import { AppError } from '../../errors'

export interface DemoUser {
  userId: string
  name: string
}

/** What the sandbox routes need; server.ts wires it to the emulator, tests may pass their own. */
export interface SandboxControl {
  listUsers(): Promise<DemoUser[]>
  createAuthCode(userId: string): Promise<string>
}

const StateSchema = z.object({ users: z.array(z.object({ userId: z.string(), name: z.string() }).loose()) }).loose()
const AuthCodeSchema = z.object({ authCode: z.string().min(1) })

const TIMEOUT_MS = 5_000

/** A SandboxControl talking HTTP to the emulator at `emulatorUrl` (no trailing slash). */
export function createSandboxControl(emulatorUrl: string): SandboxControl {
  async function call(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${emulatorUrl}${path}`, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) })
    } catch {
      throw new AppError('dingtalk_unavailable', {
        status: 503,
        message: 'The DingTalk emulator is not reachable.',
        headers: { 'retry-after': '5' },
      })
    }
  }

  async function json<T>(response: Response, schema: z.ZodType<T>): Promise<T> {
    const parsed = schema.safeParse(await response.json().catch(() => undefined))
    if (!parsed.success)
      throw new AppError('dingtalk_unavailable', { status: 502, message: 'The DingTalk emulator gave an unexpected answer.' })
    return parsed.data
  }

  return {
    async listUsers() {
      const response = await call('/__emulator/state', { method: 'GET' })
      if (!response.ok)
        throw new AppError('dingtalk_unavailable', { status: 502, message: 'The DingTalk emulator gave an unexpected answer.' })
      const state = await json(response, StateSchema)
      return state.users.map((u) => ({ userId: u.userId, name: u.name }))
    },
    async createAuthCode(userId) {
      const response = await call('/__emulator/auth-codes', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId }),
      })
      if (response.status >= 400 && response.status < 500) {
        throw new AppError('invalid_request', { status: 400, message: `There is no demo user "${userId}".` })
      }
      if (!response.ok)
        throw new AppError('dingtalk_unavailable', { status: 502, message: 'The DingTalk emulator gave an unexpected answer.' })
      return (await json(response, AuthCodeSchema)).authCode
    },
  }
}
