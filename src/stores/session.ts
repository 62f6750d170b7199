/**
 * Who is signed in, and how we got there (docs/architecture.md, steps 1–2): an existing session first (a
 * reload keeps you signed in); inside DingTalk the silent login; outside DingTalk the sandbox's
 * demo users, or a "open it from the workbench" state in live mode. Every failure ends in
 * `status: 'failed'` with an error and a retry, never a blank screen.
 */
import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef } from 'vue'
import type { Mode, User } from '@contract/api'
import { ApiError, onUnauthenticated, setCsrfToken } from '@/api/http'
import { getConfig } from '@/api/config'
import { settle } from '@/lib/settle'
import { createSandboxAuthCode, createSession, deleteSession, getSession, listSandboxUsers } from '@/api/session'
import { getPlatform, type Platform } from '@/platform'

export type SessionStatus =
  | 'idle'
  | 'checking'
  | 'signing-in'
  | 'signed-in'
  /** Outside DingTalk, sandbox mode: pick a demo user. */
  | 'choose-user'
  /** Outside DingTalk, live mode: nothing to sign in with here. */
  | 'open-in-dingtalk'
  | 'failed'

export interface SandboxUser {
  userId: string
  name: string
}

/** A failure the UI explains; `missing_corp_id` is ours, the rest are ApiError / PlatformError. */
export class SignInError extends Error {
  override readonly name = 'SignInError'
  constructor(readonly code: 'missing_corp_id') {
    super(code)
  }
}

/**
 * A device-side hint that a session cookie probably exists (the cookie itself is HttpOnly). Without
 * it the first visit would always start with a 401 from GET /api/session, which browsers log as a
 * console error; with it a reload still finds the session first. Holds no identity, only '1'.
 */
const SESSION_HINT_KEY = 'doc-attach:has-session'

function hasSessionHint(): boolean {
  try {
    return localStorage.getItem(SESSION_HINT_KEY) === '1'
  } catch {
    return true // storage unavailable: just ask the server
  }
}

function setSessionHint(present: boolean): void {
  try {
    if (present) localStorage.setItem(SESSION_HINT_KEY, '1')
    else localStorage.removeItem(SESSION_HINT_KEY)
  } catch {
    // Without storage every boot asks GET /api/session, which is still correct.
  }
}

/** Sign-in state for the whole app; `boot()` runs once at start (main.ts). */
export const useSessionStore = defineStore('session', () => {
  const status = ref<SessionStatus>('idle')
  const user = ref<User | null>(null)
  const mode = ref<Mode | null>(null)
  const corpId = ref<string | null>(null)
  /** The app key from /api/config, for DingTalk's current requestAuthCode; null = the older JSAPI. */
  const clientId = ref<string | null>(null)
  const sandboxUsers = ref<SandboxUser[]>([])
  /** The user whose demo sign-in is in flight (to show progress on that button). */
  const pendingUserId = ref<string | null>(null)
  const error = shallowRef<unknown>(null)
  /** What `retry()` repeats: the step that failed. */
  let lastAttempt: (() => Promise<void>) | null = null
  let platform: Platform | null = null

  const signedIn = computed(() => status.value === 'signed-in' && user.value !== null)
  const isSandbox = computed(() => mode.value === 'sandbox')

  function currentPlatform(): Platform {
    platform ??= getPlatform()
    return platform
  }

  function accept(session: { user: User; csrfToken: string }) {
    setCsrfToken(session.csrfToken)
    setSessionHint(true)
    user.value = session.user
    error.value = null
    status.value = 'signed-in'
  }

  function fail(cause: unknown, attempt: () => Promise<void>) {
    error.value = cause
    lastAttempt = attempt
    status.value = 'failed'
  }

  /** Inside DingTalk: requestAuthCode (timeout-wrapped in platform/) → POST /api/session. */
  async function signInWithDingTalk(): Promise<void> {
    status.value = 'signing-in'
    error.value = null
    try {
      if (!corpId.value) throw new SignInError('missing_corp_id')
      const authCode = await currentPlatform().requestAuthCode(corpId.value, clientId.value)
      accept(await createSession(authCode))
    } catch (cause) {
      fail(cause, signInWithDingTalk)
    }
  }

  /** Sandbox: a demo user's auth code from our server, then the very same POST /api/session. */
  async function signInAs(userId: string): Promise<void> {
    status.value = 'signing-in'
    pendingUserId.value = userId
    error.value = null
    try {
      const authCode = await createSandboxAuthCode(userId)
      accept(await createSession(authCode))
    } catch (cause) {
      fail(cause, () => signInAs(userId))
    } finally {
      pendingUserId.value = null
    }
  }

  /** Decides how to sign in once we know there is no session. */
  async function startSignIn(): Promise<void> {
    if (currentPlatform().kind === 'dingtalk') return signInWithDingTalk()
    if (mode.value === 'sandbox') {
      status.value = 'checking'
      try {
        sandboxUsers.value = await listSandboxUsers()
        status.value = 'choose-user'
      } catch (cause) {
        fail(cause, startSignIn)
      }
      return
    }
    status.value = 'open-in-dingtalk'
  }

  /**
   * First thing after the app mounts: the existing session (when the device has signed in before)
   * and config in parallel, one round trip; then either signed in, or the sign-in path that fits
   * the container and mode. `corpIdFromUrl` is read from `location.search` before the router
   * exists (docs/architecture.md, step 1).
   */
  async function boot(corpIdFromUrl: string | null): Promise<void> {
    status.value = 'checking'
    error.value = null
    corpId.value = corpIdFromUrl
    const [sessionResult, configResult] = await Promise.all([
      settle(hasSessionHint() ? getSession() : Promise.resolve(null)),
      settle(getConfig()),
    ])
    if (configResult.status === 'fulfilled') {
      mode.value = configResult.value.mode
      corpId.value ||= configResult.value.corpId || null
      clientId.value = configResult.value.clientId || null
    }
    if (sessionResult.status === 'fulfilled' && sessionResult.value !== null) {
      accept(sessionResult.value)
      return
    }
    if (sessionResult.status === 'rejected') {
      const sessionError: unknown = sessionResult.reason
      if (!(sessionError instanceof ApiError && sessionError.status === 401)) {
        return fail(sessionError, () => boot(corpIdFromUrl))
      }
      setSessionHint(false)
    }
    // Without config we cannot tell sandbox from live; only DingTalk login can go on (with the URL's corpId).
    if (configResult.status === 'rejected' && currentPlatform().kind !== 'dingtalk') {
      return fail(configResult.reason, () => boot(corpIdFromUrl))
    }
    await startSignIn()
  }

  /** Repeats the step that failed (the button next to every sign-in error). */
  async function retry(): Promise<void> {
    const attempt = lastAttempt
    lastAttempt = null
    if (attempt) await attempt()
    else await boot(corpId.value)
  }

  /** Ends the session on the server and returns to the sign-in choice. */
  async function signOut(): Promise<void> {
    try {
      await deleteSession()
    } catch {
      // Signing out locally still matters when the server cannot be reached.
    }
    setCsrfToken(null)
    setSessionHint(false)
    user.value = null
    await startSignIn()
  }

  /** The session ended while the app was open (a 401 elsewhere): sign in again. */
  function expire(): void {
    if (status.value !== 'signed-in') return
    setCsrfToken(null)
    setSessionHint(false)
    user.value = null
    void startSignIn()
  }

  /**
   * The app is back in the foreground (DingTalk `resume`): the session may have expired meanwhile.
   * A live session refreshes the csrf token; a 401 signs in again (silently inside DingTalk); no
   * answer (offline) changes nothing, the next call will tell.
   */
  async function recheck(): Promise<void> {
    if (status.value !== 'signed-in') return
    try {
      const session = await getSession()
      if (status.value === 'signed-in') accept(session)
    } catch (cause) {
      if (cause instanceof ApiError && cause.status === 401) expire()
    }
  }

  // Unsubscribes when the store is disposed (a fresh pinia per test must not leak listeners).
  onScopeDispose(onUnauthenticated(expire))

  return {
    status,
    user,
    mode,
    corpId,
    sandboxUsers,
    pendingUserId,
    error,
    signedIn,
    isSandbox,
    boot,
    signInAs,
    signInWithDingTalk,
    retry,
    signOut,
    expire,
    recheck,
  }
})
