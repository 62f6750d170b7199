/**
 * Auth endpoints: the app tokens and silent login (docs/dingtalk.md#access-token,
 * #legacy-gettoken, #silent-login).
 */
import { DingTalkError, INVALID_RESPONSE } from '../errors'
import { AccessTokenResponseSchema, GetUserInfoResponseSchema, JsapiTicketResponseSchema, LegacyTokenResponseSchema } from '../schemas'
import type { FetchedToken } from '../token-cache'
import type { Transport } from '../transport'
import type { DingTalkApi } from '../types'

export interface AppCredentials {
  appKey: string
  appSecret: string
}

/**
 * GetAccessToken: the v1.0 app token, for api.dingtalk.com and (unless refused) oapi.
 * https://open.dingtalk.com/document/development/obtain-the-access-token-of-an-internal-app
 */
export function fetchAppToken(call: Transport['call'], app: AppCredentials): Promise<FetchedToken> {
  return call({
    method: 'POST',
    host: 'api',
    template: '/v1.0/oauth2/accessToken',
    body: { appKey: app.appKey, appSecret: app.appSecret },
    schema: AccessTokenResponseSchema,
    auth: 'none',
    idempotent: true,
  })
}

/**
 * Legacy gettoken: the oapi token for deployments whose oapi refuses the v1.0 token. The secret
 * travels in the query (as documented); the transport never logs URLs.
 * docs/dingtalk.md#legacy-gettoken (DingTalk page `obtain-orgapp-token`, filed under historical documents)
 */
export async function fetchLegacyToken(call: Transport['call'], app: AppCredentials): Promise<FetchedToken> {
  const res = await call({
    method: 'GET',
    host: 'oapi',
    template: '/gettoken',
    query: { appkey: app.appKey, appsecret: app.appSecret },
    schema: LegacyTokenResponseSchema,
    auth: 'none',
    idempotent: true,
  })
  if (!res.access_token) throw new DingTalkError({ status: 200, dingtalkCode: INVALID_RESPONSE, api: 'GET /gettoken' })
  return { accessToken: res.access_token, expireIn: res.expires_in ?? 7200 }
}

/** Silent login on the server: the single-use H5 authCode → the person. */
export function authEndpoints(transport: Transport): Pick<DingTalkApi, 'getUserByAuthCode' | 'getJsapiTicket'> {
  return {
    /**
     * The jsapi ticket that signs `dd.config` (docs/dingtalk.md#jsapi-ticket); errcodes map and retry
     * as every oapi call does (45009 "called too often" included).
     * https://apifox.com/apidoc/shared/f9b55f1e-e990-49ad-ad32-4243d72b3245/api-136641488 (DingTalk's page, mirrored)
     */
    async getJsapiTicket() {
      const res = await transport.call({
        method: 'GET',
        host: 'oapi',
        template: '/get_jsapi_ticket',
        schema: JsapiTicketResponseSchema,
        auth: 'query',
        idempotent: true,
      })
      if (!res.ticket) throw new DingTalkError({ status: 200, dingtalkCode: INVALID_RESPONSE, api: 'GET /get_jsapi_ticket' })
      return { ticket: res.ticket, expiresIn: res.expires_in ?? 7200 }
    },
    /**
     * Exchanges a single-use H5 authCode for the person. A used or expired code is
     * `auth_code_invalid` (401) and is never sent again; a refused token is not a used code, so the
     * transport repeats the call with a fresh (or the legacy) token.
     * https://open.dingtalk.com/document/development/obtain-the-userid-of-a-user-by-using-the-log-free
     */
    async getUserByAuthCode(authCode) {
      const res = await transport.call({
        method: 'POST',
        host: 'oapi',
        template: '/topapi/v2/user/getuserinfo',
        body: { code: authCode },
        schema: GetUserInfoResponseSchema,
        auth: 'query',
        idempotent: false,
      })
      if (!res.result) throw new DingTalkError({ status: 200, dingtalkCode: INVALID_RESPONSE, api: 'POST /topapi/v2/user/getuserinfo' })
      return { userId: res.result.userid, unionId: res.result.unionid, name: res.result.name }
    },
  }
}
