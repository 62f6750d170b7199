import { describe, expect, it } from 'vitest'
import { DingTalkError, isTokenRejected, mapDingTalkError, wasNotDelivered } from './errors'

describe('mapDingTalkError', () => {
  // Every seed error code of GetResourceUploadInfo (docs/dingtalk.md#getresourceuploadinfo) and the mapping in docs/api.md.
  it.each([
    [400, 'paramError', 'invalid_request', 400, false],
    [400, 'invalidRequest.inputArgs.invalid', 'invalid_request', 400, false],
    [403, 'permissionDenied', 'forbidden', 403, false],
    [403, 'forbidden.accessDenied', 'forbidden', 403, false],
    [403, 'forbidden.acrossOrg', 'forbidden', 403, false],
    [404, 'docNotExist', 'document_not_found', 404, false],
    [404, 'nodeNotExist', 'document_not_found', 404, false],
    [404, 'invalidRequest.resource.notFound', 'document_not_found', 404, false],
    [500, 'systemError', 'dingtalk_unavailable', 503, true],
    [500, 'unknownError', 'dingtalk_unavailable', 503, true],
    [503, 'operationTimeout', 'dingtalk_unavailable', 503, true],
    [503, 'nonJsonError', 'dingtalk_unavailable', 503, true],
    [429, 'systemBusy', 'rate_limited', 429, true],
    [403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', 'rate_limited', 429, true],
    [403, 'Forbidden.AccessDenied.QpmLimitForAppkeyAndApi', 'rate_limited', 429, true],
    [403, 'Forbidden.AccessDenied.QpsLimitForApi', 'rate_limited', 429, true],
    [200, '90018', 'rate_limited', 429, true],
    [200, '90002', 'rate_limited', 429, true],
    [200, '-1', 'dingtalk_unavailable', 503, true],
    [200, '40078', 'auth_code_invalid', 401, false],
    [200, '40079', 'auth_code_invalid', 401, false],
    [0, 'ECONNRESET', 'dingtalk_unavailable', 503, true],
    [0, 'ECONNREFUSED', 'dingtalk_unavailable', 503, true],
    [0, 'timeout', 'dingtalk_unavailable', 503, true],
    [0, 'aborted', 'dingtalk_unavailable', 503, false],
    [200, 'invalidResponse', 'dingtalk_unavailable', 502, false],
    [400, 'InvalidAuthentication', 'dingtalk_unavailable', 502, false],
    [403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied', 'dingtalk_unavailable', 502, false],
    [403, 'Forbidden.AccessDenied.ApiCountLimitForOrg', 'rate_limited', 429, false],
    [200, '90020', 'rate_limited', 429, false],
    [403, 'ipBanned', 'rate_limited', 429, false],
    [500, 'internalError', 'dingtalk_unavailable', 502, false],
    [403, 'SignatureDoesNotMatch', 'dingtalk_unavailable', 502, false],
    [403, 'uploadUrlExpired', 'dingtalk_unavailable', 502, true],
    [0, 'bodyLengthMismatch', 'size_mismatch', 400, false],
  ])('%i %s → %s %i (retryable %s)', (status, code, appCode, appStatus, retryable) => {
    expect(mapDingTalkError(status, code)).toMatchObject({ appCode, appStatus, retryable })
  })

  it('suggests a Retry-After for throttling and unavailability only', () => {
    expect(mapDingTalkError(503, 'operationTimeout').retryAfterSeconds).toBeGreaterThan(0)
    expect(mapDingTalkError(429, 'systemBusy').retryAfterSeconds).toBeGreaterThan(0)
    expect(mapDingTalkError(404, 'docNotExist').retryAfterSeconds).toBeUndefined()
  })
})

describe('isTokenRejected / wasNotDelivered', () => {
  it('recognises a rejected app token in both API families', () => {
    expect(isTokenRejected(400, 'InvalidAuthentication')).toBe(true)
    expect(isTokenRejected(401, 'InvalidAuthentication')).toBe(true)
    expect(isTokenRejected(401, 'authFailed')).toBe(true)
    expect(isTokenRejected(200, '40014')).toBe(true)
    expect(isTokenRejected(200, '42001')).toBe(true)
    expect(isTokenRejected(403, 'permissionDenied')).toBe(false)
    expect(isTokenRejected(200, '40078')).toBe(false)
  })

  it('treats only gateway refusals and failed connects as certainly not delivered', () => {
    expect(wasNotDelivered(429, 'systemBusy')).toBe(true)
    expect(wasNotDelivered(403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi')).toBe(true)
    expect(wasNotDelivered(0, 'ECONNREFUSED')).toBe(true)
    expect(wasNotDelivered(0, 'ECONNRESET')).toBe(false)
    expect(wasNotDelivered(0, 'timeout')).toBe(false)
    expect(wasNotDelivered(503, 'operationTimeout')).toBe(false)
  })
})

describe('DingTalkError', () => {
  it('carries the mapping and a message without DingTalk text', () => {
    const err = new DingTalkError({
      status: 404,
      dingtalkCode: 'docNotExist',
      dingtalkMessage: '文档不存在',
      requestId: 'r1',
      api: 'POST /x/{id}',
    })
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({
      status: 404,
      dingtalkCode: 'docNotExist',
      requestId: 'r1',
      appCode: 'document_not_found',
      appStatus: 404,
      retryable: false,
      outcomeUnknown: false,
    })
    expect(err.message).toBe('DingTalk POST /x/{id} failed: 404 docNotExist')
  })

  it('prefers a Retry-After DingTalk sent over the default', () => {
    const err = new DingTalkError({ status: 429, dingtalkCode: 'systemBusy', api: 'GET /a', retryAfterSeconds: 7 })
    expect(err.retryAfterSeconds).toBe(7)
    expect(err.retryAfterFromDingTalk).toBe(true)
  })
})
