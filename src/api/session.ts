import {
  SandboxAuthCodeResponseSchema,
  SandboxUsersResponseSchema,
  SessionResponseSchema,
  type SandboxUsersResponse,
  type SessionResponse,
} from '@contract/api'
import { http, request } from './http'

/** `GET /api/session`: the current session, or ApiError 401 `unauthenticated`. */
export function getSession(): Promise<SessionResponse> {
  return request(SessionResponseSchema, { method: 'GET', url: '/session' })
}

/** `POST /api/session {authCode}`: exchanges a one-time DingTalk login code for a session cookie. */
export function createSession(authCode: string): Promise<SessionResponse> {
  return request(SessionResponseSchema, { method: 'POST', url: '/session', data: { authCode } })
}

/** `DELETE /api/session`: signs out (204). */
export async function deleteSession(): Promise<void> {
  await http.delete('/session')
}

/** `GET /api/sandbox/users`: the emulator's demo people (sandbox mode only). */
export async function listSandboxUsers(): Promise<SandboxUsersResponse['items']> {
  const body = await request(SandboxUsersResponseSchema, { method: 'GET', url: '/sandbox/users' })
  return body.items
}

/** `POST /api/sandbox/auth-codes {userId}`: a login code as DingTalk would issue it (sandbox mode only). */
export async function createSandboxAuthCode(userId: string): Promise<string> {
  const body = await request(SandboxAuthCodeResponseSchema, {
    method: 'POST',
    url: '/sandbox/auth-codes',
    data: { userId },
  })
  return body.authCode
}
