import type { FastifyRequest } from 'fastify'
import type { SessionResponse } from '@contract/api'
import type { DingTalkApi } from '../dingtalk/types'
import { type Clock, startSession } from './session'

/**
 * Signs a person in with a DingTalk H5 authCode: DingTalk names the person, and the session cookie
 * starts. A used, unknown or expired code is DingTalk 40078 → DingTalkError 401 auth_code_invalid.
 */
export async function signIn(
  ctx: { dingtalk: DingTalkApi; clock: Clock },
  request: FastifyRequest,
  authCode: string,
): Promise<SessionResponse> {
  const person = await ctx.dingtalk.getUserByAuthCode(authCode)
  const user = { userId: person.userId, unionId: person.unionId, name: person.name }
  const csrfToken = startSession(request, user, ctx.clock)
  request.log.info({ userId: user.userId }, 'signed in')
  return { user, csrfToken }
}
