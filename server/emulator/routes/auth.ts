/** App tokens (docs/dingtalk.md#access-token, #legacy-gettoken) and silent-login code exchange (#silent-login). */
import type { FastifyInstance } from 'fastify'
import { AccessTokenRequestSchema } from '../../dingtalk/schemas'
import type { EmulatorContext } from '../context'
import { ApiError, OapiError } from '../errors'
import { oapiRequestId } from '../ids'
import { parseBody } from './params'

export function registerAuthRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state, config } = ctx

  // GetAccessToken: POST /v1.0/oauth2/accessToken, 400 invalidClientIdOrSecret.
  app.post('/v1.0/oauth2/accessToken', async (request) => {
    const body = parseBody(AccessTokenRequestSchema, request.body)
    if (body.appKey !== config.appKey || body.appSecret !== config.appSecret) {
      throw new ApiError(400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret')
    }
    return state.issueToken()
  })

  // Legacy gettoken (docs/dingtalk.md#legacy-gettoken); a wrong or missing key/secret pair is errcode 40001.
  app.get('/gettoken', async (request) => {
    const query = request.query as Record<string, unknown>
    if (query['appkey'] !== config.appKey || query['appsecret'] !== config.appSecret) {
      throw new OapiError(40001, '获取access_token时Secret错误，或者access_token无效')
    }
    // In `legacy` mode oapi tokens are their own kind, so a v1.0 token can be refused there.
    const { accessToken, expireIn } = state.issueToken(config.oapiToken === 'legacy' ? 'legacy' : 'app')
    return { errcode: 0, errmsg: 'ok', access_token: accessToken, expires_in: expireIn }
  })

  // get_jsapi_ticket (docs/dingtalk.md#jsapi-ticket): the token is checked by the app's oapi hook.
  app.get('/get_jsapi_ticket', async () => {
    const { ticket, expiresIn } = state.currentJsapiTicket()
    return { errcode: 0, errmsg: 'ok', ticket, expires_in: expiresIn }
  })

  // getuserinfo: `code` from a JSON body, a form body, or the query (all seen in DingTalk's docs).
  app.post('/topapi/v2/user/getuserinfo', async (request) => {
    const body = request.body
    const fromBody = body && typeof body === 'object' && 'code' in body ? (body as { code: unknown }).code : undefined
    const fromQuery = (request.query as Record<string, unknown>)['code']
    const code = fromBody ?? fromQuery
    if (code === undefined || code === '') throw new OapiError(40078, '不存在的临时授权码')
    if (typeof code !== 'string') throw new OapiError(40035, '不合法的参数: code must be a string')
    const user = state.consumeAuthCode(code)
    if (!user) throw new OapiError(40078, '不存在的临时授权码')
    return {
      errcode: 0,
      errmsg: 'ok',
      request_id: oapiRequestId(),
      result: {
        userid: user.userId,
        unionid: user.unionId,
        name: user.name,
        device_id: user.deviceId,
        sys: user.sysLevel === 1 || user.sysLevel === 2,
        sys_level: user.sysLevel,
        associated_unionid: '',
      },
    }
  })
}
