/**
 * The session cookie and the request guard (docs/api.md#session): a signed and encrypted cookie
 * (@fastify/secure-session) holding who signed in and their CSRF token, checked on every request
 * in an `onRequest` hook — before any body is read, so an unauthenticated upload is refused
 * without receiving its bytes.
 */
import { createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import secureSession from '@fastify/secure-session'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { CSRF_HEADER } from '@contract/api'
import type { AppConfig } from '../config'
import { AppError } from '../errors'
import type { SharedStore } from '../store/types'
import type { SessionUser } from './guard'

declare module '@fastify/secure-session' {
  interface SessionData {
    user: SessionUser
    csrfToken: string
    /** Sign-in time (ms, from the app clock): the 8-hour lifetime is absolute, not sliding. */
    issuedAt: number
  }
}

export const SESSION_COOKIE = 'doc_attach_session'
export const SESSION_LIFETIME_MS = 8 * 60 * 60 * 1000

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export interface Clock {
  now(): number
}

/**
 * Registers the session cookie and the guard hook on the root instance, so every route —
 * including ones registered later by other plugins — is covered.
 */
export async function registerSession(app: FastifyInstance, opts: { config: AppConfig; clock: Clock; store: SharedStore }): Promise<void> {
  const { config, clock, store } = opts
  // A fast, deterministic KDF: the secret is already high-entropy (32+ chars), so the plugin's
  // own password hashing (256 MiB Argon2 per start) buys nothing.
  const key = Buffer.from(hkdfSync('sha256', config.sessionSecret, 'doc-attach', 'session-cookie-key-v1', 32))
  await app.register(secureSession, {
    key,
    cookieName: SESSION_COOKIE,
    expiry: SESSION_LIFETIME_MS / 1000,
    cookie: {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      // Secure when the request arrived over https (directly, or per X-Forwarded-Proto with trustProxy).
      secure: 'auto',
      maxAge: SESSION_LIFETIME_MS / 1000,
    },
  })

  app.decorateRequest('user', null)
  app.addHook('onRequest', async (request) => {
    request.user = readSessionUser(request, clock)
    const route = request.routeOptions
    // Only our API is guarded; static files and unknown paths fall through to their own handling.
    if (!route.url?.startsWith('/api/')) return
    // A signed-out session stays dead on every replica (the cookie itself cannot be recalled).
    if (request.user && !route.config.public && (await store.isRevoked(sessionId(request)))) {
      request.user = null
    }
    const stateChanging = !SAFE_METHODS.has(request.method)
    if (!route.config.public && !request.user) throw new AppError('unauthenticated', { status: 401, message: 'Sign in first.' })
    if (!stateChanging) return
    checkOrigin(request, config)
    if (!route.config.csrfExempt) checkCsrf(request)
  })
}

function readSessionUser(request: FastifyRequest, clock: Clock): SessionUser | null {
  const session = request.session
  const user = session.get('user')
  const issuedAt = session.get('issuedAt')
  if (!user || typeof issuedAt !== 'number') return null
  if (clock.now() - issuedAt >= SESSION_LIFETIME_MS) {
    session.delete() // also clears the cookie in the browser
    return null
  }
  return user
}

/** A browser always sends Origin on cross-site POSTs; when present it must be ours. */
function checkOrigin(request: FastifyRequest, config: AppConfig): void {
  const origin = request.headers.origin
  if (origin === undefined) return
  const expected = config.publicOrigin ?? `${request.protocol}://${request.host}`
  if (normaliseOrigin(origin) !== normaliseOrigin(expected)) {
    throw new AppError('csrf_failed', { status: 403, message: 'This request came from another site.' })
  }
}

function normaliseOrigin(value: string): string | null {
  try {
    return new URL(value).origin
  } catch {
    return null
  }
}

function checkCsrf(request: FastifyRequest): void {
  const sent = request.headers[CSRF_HEADER]
  const expected = request.session.get('csrfToken')
  if (typeof sent !== 'string' || typeof expected !== 'string' || !constantTimeEqual(sent, expected)) {
    throw new AppError('csrf_failed', {
      status: 403,
      message: `Missing or wrong ${CSRF_HEADER} header; use the csrfToken from the session.`,
    })
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/** Starts a fresh session for `user` (dropping anything from before) and returns its CSRF token. */
export function startSession(request: FastifyRequest, user: SessionUser, clock: Clock): string {
  const csrfToken = randomBytes(32).toString('base64url')
  request.session.regenerate()
  request.session.set('user', user)
  request.session.set('csrfToken', csrfToken)
  request.session.set('issuedAt', clock.now())
  request.user = user
  return csrfToken
}

/** The CSRF token of the current session (the guard has already ensured there is one). */
export function sessionCsrfToken(request: FastifyRequest): string {
  const token = request.session.get('csrfToken')
  if (!token) throw new AppError('unauthenticated', { status: 401, message: 'Sign in first.' })
  return token
}

/** A stable id of the current session (its CSRF token is random per sign-in), for revocation. */
function sessionId(request: FastifyRequest): string {
  return createHash('sha256')
    .update(request.session.get('csrfToken') ?? '')
    .digest('base64url')
}

/**
 * Ends the session: revoked in the shared store until the cookie would have expired (so a copy
 * of the cookie is worthless on every replica), then cleared in the browser.
 */
export async function endSession(request: FastifyRequest, store: SharedStore): Promise<void> {
  // The cookie was issued at most one lifetime ago, so one lifetime from now outlasts it.
  if (request.session.get('csrfToken')) await store.revoke(sessionId(request), Date.now() + SESSION_LIFETIME_MS)
  request.session.delete()
  request.user = null
}
