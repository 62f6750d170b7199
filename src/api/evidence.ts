import {
  EvidenceCodesResponseSchema,
  JsapiConfigResponseSchema,
  type EvidenceClaim,
  type EvidenceCodesResponse,
  type JsapiConfigResponse,
} from '@contract/api'
import { request } from './http'

/** `POST /api/evidence/codes` (docs/api.md): `count` (1–100) codes reserved for the signed-in person. */
export function requestEvidenceCodes(count: number): Promise<EvidenceCodesResponse> {
  return request(EvidenceCodesResponseSchema, { method: 'POST', url: '/evidence/codes', data: { count } })
}

/** `GET /api/jsapi-config?url=`: the server's signature for DingTalk's `dd.config` on this page. */
export function getJsapiConfig(url: string): Promise<JsapiConfigResponse> {
  return request(JsapiConfigResponseSchema, { method: 'GET', url: '/jsapi-config', params: { url } })
}

/** The register of a document's evidence as CSV (a plain link: the browser downloads it). */
export function evidenceRegisterCsvUrl(docId: string): string {
  return `/api/documents/${encodeURIComponent(docId)}/evidence?format=csv`
}

/** UTF-8 bytes → base64url without padding (RFC 4648 §5), as `X-Evidence` carries the claim. */
function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The `X-Evidence` header value: base64url of the claim's JSON. */
export function evidenceHeaderValue(claim: EvidenceClaim): string {
  return base64url(new TextEncoder().encode(JSON.stringify(claim)))
}
