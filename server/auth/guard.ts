import type { FastifyRequest } from 'fastify'
import { AppError } from '../errors'

/** Who is signed in: taken from the session cookie only, never from anything the browser sends. */
export interface SessionUser {
  userId: string
  unionId: string
  name: string
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the session hook (auth/session.ts) before any body is read; null without a valid session. */
    user: SessionUser | null
  }
  interface FastifyContextConfig {
    /** Reachable without a session (docs/api.md#conventions: public routes). */
    public?: boolean
    /** State-changing route that needs no `x-csrf-token` (only the two sign-in steps). */
    csrfExempt?: boolean
  }
}

/**
 * The signed-in person for a protected route. Every DingTalk call uses `unionId` from here as
 * `operatorId` (docs/architecture.md#identity-and-security); `operatorId`/`unionId` sent by the browser are never read.
 * @throws AppError 401 unauthenticated when the request has no valid session.
 */
export function requireUser(request: FastifyRequest): SessionUser {
  if (!request.user) throw new AppError('unauthenticated', { status: 401, message: 'Sign in first.' })
  return request.user
}
