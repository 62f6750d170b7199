/**
 * Live smoke test against a REAL DingTalk organisation (`npm run smoke:live`). It settles, with
 * one run, the points docs/dingtalk.md marks UNCONFIRMED that this app relies on:
 *   1. GetResourceUploadInfo + PUT of a tiny PNG and how long the upload URL lives (its OSS-style
 *      `Expires`);
 *   2. DocInsertBlocks with an inline image whose `src` is the resourceUrl, and what `src`
 *      DocBlocksQuery gives back;
 *   3. the undocumented attachment block for a file (docs/dingtalk.md#attachment-block): accepted,
 *      or paramError (then the server falls back to a link paragraph);
 *   4. whether the upload host answers a browser CORS preflight (could the H5 PUT directly?);
 *   5. which answer profile the organisation matches (docs/dingtalk.md#answer-profiles), point by
 *      point: children shown by DocBlocksQuery, the attachment read back as `Undefined`, insert and
 *      append answers bare or without children, empty lists left out; and whether oapi accepts the
 *      v1.0 token (docs/dingtalk.md#legacy-gettoken).
 *
 * It WRITES to the document: it appends one image paragraph (with a link appended to it) and (if
 * accepted) one attachment block at the end of SMOKE_DOC_ID. Use a scratch document you can edit.
 *
 * Environment (nothing is printed back except ids and findings; never secrets, tokens or
 * upload-URL signatures):
 *   DINGTALK_APP_KEY, DINGTALK_APP_SECRET, DINGTALK_CORP_ID   the internal app's credentials
 *   SMOKE_DOC_ID      dentryUuid of a scratch document (the id in https://alidocs.dingtalk.com/i/nodes/<id>)
 *   SMOKE_UNION_ID    unionId of a person who can edit that document (the operatorId of every call)
 *   DINGTALK_API_BASE, DINGTALK_OAPI_BASE   optional; default https://api.dingtalk.com, https://oapi.dingtalk.com
 *   SMOKE_ORIGIN      optional Origin for the CORS probe; default https://doc-attach.example.com
 * The app needs Storage.File.Read and Storage.File.Write (docs/dingtalk.md#permissions).
 */
import { Readable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { createDingTalkClient, DingTalkError, redactUrl, type DingTalkClientConfig } from '../server/dingtalk/client'
import type { DingTalkApi } from '../server/dingtalk/types'
import { describeMatch, matchProfile, type Observations } from './smoke-profile'

export const HELP = `Usage: npm run smoke:live [-- --help]

Checks, against a real DingTalk organisation, the upload and insertion behaviour Doc Attach
relies on, and prints a table of findings, ending with the answer profile the organisation
matches (rich | documented | minimal, point by point) and whether oapi accepts the v1.0 token.
It appends an image paragraph (and possibly an attachment block) to the end of SMOKE_DOC_ID,
so use a scratch document.

Required environment:
  DINGTALK_APP_KEY      internal app AppKey (Client ID)
  DINGTALK_APP_SECRET   internal app AppSecret (Client Secret)
  DINGTALK_CORP_ID      the organisation's corpId
  SMOKE_DOC_ID          dentryUuid of a scratch document you can edit
  SMOKE_UNION_ID        unionId of a person who can edit that document
Optional:
  DINGTALK_API_BASE     default https://api.dingtalk.com
  DINGTALK_OAPI_BASE    default https://oapi.dingtalk.com
  SMOKE_ORIGIN          Origin sent in the CORS preflight; default https://doc-attach.example.com

Secrets, access tokens and upload-URL signatures are never printed.`

export interface SmokeConfig {
  appKey: string
  appSecret: string
  corpId: string
  docId: string
  unionId: string
  apiBase: string
  oapiBase: string
  origin: string
}

export type SmokeArgs = { help: true } | { help: false; config: SmokeConfig } | { help: false; errors: string[] }

const REQUIRED = ['DINGTALK_APP_KEY', 'DINGTALK_APP_SECRET', 'DINGTALK_CORP_ID', 'SMOKE_DOC_ID', 'SMOKE_UNION_ID'] as const
const ID = /^[A-Za-z0-9_-]{1,128}$/

/** Parses argv and environment; lists every problem at once (never echoing a value). */
export function parseSmokeArgs(argv: readonly string[], env: Record<string, string | undefined>): SmokeArgs {
  if (argv.includes('--help') || argv.includes('-h')) return { help: true }
  const errors: string[] = []
  const unknown = argv.filter((a) => a !== '--')
  if (unknown.length) errors.push(`unknown argument(s): ${unknown.join(' ')} (see --help)`)
  const value = (name: string) => env[name]?.trim() ?? ''
  for (const name of REQUIRED) if (!value(name)) errors.push(`${name} is not set`)
  if (value('SMOKE_DOC_ID') && !ID.test(value('SMOKE_DOC_ID'))) errors.push('SMOKE_DOC_ID must be a dentryUuid (letters, digits, - or _)')
  if (value('SMOKE_UNION_ID') && !ID.test(value('SMOKE_UNION_ID')))
    errors.push('SMOKE_UNION_ID must be a unionId (letters, digits, - or _)')
  const url = (name: string, fallback: string) => {
    const raw = value(name) || fallback
    try {
      const u = new URL(raw)
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error()
      return raw
    } catch {
      errors.push(`${name} must be an http(s) URL`)
      return raw
    }
  }
  const apiBase = url('DINGTALK_API_BASE', 'https://api.dingtalk.com')
  const oapiBase = url('DINGTALK_OAPI_BASE', 'https://oapi.dingtalk.com')
  const origin = url('SMOKE_ORIGIN', 'https://doc-attach.example.com')
  if (errors.length) return { help: false, errors }
  return {
    help: false,
    config: {
      appKey: value('DINGTALK_APP_KEY'),
      appSecret: value('DINGTALK_APP_SECRET'),
      corpId: value('DINGTALK_CORP_ID'),
      docId: value('SMOKE_DOC_ID'),
      unionId: value('SMOKE_UNION_ID'),
      apiBase,
      oapiBase,
      origin,
    },
  }
}

/** A 1×1 red PNG. */
const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC', 'base64')

interface Finding {
  check: string
  result: string
}

function describeError(err: unknown): string {
  if (err instanceof DingTalkError)
    return `HTTP ${err.status || 'network'} ${err.dingtalkCode}${err.requestId ? ` (requestId ${err.requestId})` : ''}`
  return err instanceof Error ? err.message : String(err)
}

/** `/core/api/resources/img/…` keeps its shape; an absolute URL loses its query (may carry a signature). */
function safeUrl(url: string): string {
  return /^https?:\/\//.test(url) ? redactUrl(url) : (url.split('?')[0] ?? '')
}

async function uploadOne(api: DingTalkApi, cfg: SmokeConfig, bytes: Buffer, mediaType: string, name: string, findings: Finding[]) {
  const started = Date.now()
  const info = await api.getResourceUploadInfo(cfg.docId, cfg.unionId, { size: bytes.length, mediaType, resourceName: name })
  const expires = new URL(info.uploadUrl).searchParams.get('Expires')
  findings.push({ check: `${name}: upload host`, result: new URL(info.uploadUrl).origin })
  findings.push({
    check: `${name}: upload URL lifetime`,
    result:
      expires && /^\d+$/.test(expires) ? `${Math.round(Number(expires) - started / 1000)} s (Expires present)` : 'no Expires parameter',
  })
  await api.putResource(info.uploadUrl, Readable.from([bytes]), { mediaType, size: bytes.length })
  findings.push({ check: `${name}: PUT with Content-Type ${mediaType}`, result: 'accepted (2xx)' })
  findings.push({ check: `${name}: resourceUrl shape`, result: safeUrl(info.resourceUrl) })
  return info
}

async function corsPreflight(uploadUrl: string, origin: string): Promise<string> {
  try {
    const res = await fetch(uploadUrl, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
      signal: AbortSignal.timeout(10_000),
    })
    const allowOrigin = res.headers.get('access-control-allow-origin')
    const allowMethods = res.headers.get('access-control-allow-methods')
    return `HTTP ${res.status}; allow-origin: ${allowOrigin ?? '(none)'}; allow-methods: ${allowMethods ?? '(none)'}`
  } catch (err) {
    return `no answer: ${describeError(err)}`
  }
}

const BLOCKS_API = 'GET /v1.0/doc/suites/documents/{docKey}/blocks'
const INSERT_API = 'POST /v1.0/doc/suites/documents/{docKey}/blocks'
const APPEND_API = 'POST /v1.0/doc/suites/documents/{docKey}/blocks/{blockId}/paragraph/appendElement'
const SEARCH_API = 'GET /v1.0/doc/docs'

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

/** `result.data` of a raw answer, if any. */
function resultData(body: unknown): unknown {
  return record(record(body).result).data
}

/** The raw DocBlocksQuery entries, as DingTalk sent them. */
function rawBlocks(body: unknown): Record<string, unknown>[] {
  const data = resultData(body)
  return Array.isArray(data) ? data.map(record) : []
}

/** DocInsertBlocks' raw answer as a profile point. */
export function readInsertAnswer(body: unknown): Observations['insertAnswer'] {
  const data = record(resultData(body))
  if (typeof data.id !== 'string') return 'bare'
  return Array.isArray(data.children) && data.children.length > 0 ? 'with-children' : 'without-children'
}

/**
 * Runs every check; a failing check is reported and the others still run. `createClient` builds a
 * DingTalk client with extra settings (an answer observer, a fixed oapi token kind).
 */
export async function runSmoke(cfg: SmokeConfig, createClient: (extra: Partial<DingTalkClientConfig>) => DingTalkApi): Promise<Finding[]> {
  const findings: Finding[] = []
  const answers = new Map<string, unknown>()
  const api = createClient({ onAnswer: (name, body) => answers.set(name, body) })
  const seen: Observations = {}
  const step = async (check: string, fn: () => Promise<string | void>) => {
    try {
      const result = await fn()
      if (result) findings.push({ check, result })
    } catch (err) {
      findings.push({ check, result: `FAILED: ${describeError(err)}` })
    }
  }
  /** The block an insert created: named in its answer, or the one new id in the document. */
  const insertedBlock = async (before: Set<string>, answered: string | undefined) => {
    await api.queryBlocks(cfg.docId, cfg.unionId)
    const blocks = rawBlocks(answers.get(BLOCKS_API))
    return blocks.find((b) => b.id === answered) ?? blocks.find((b) => typeof b.id === 'string' && !before.has(b.id))
  }
  const blockIds = async () => new Set((await api.queryBlocks(cfg.docId, cfg.unionId)).map((b) => b.id))

  await step('app token + document readable (DocBlocksQuery)', async () => {
    const blocks = await api.queryBlocks(cfg.docId, cfg.unionId)
    return `ok, ${blocks.length} root blocks`
  })

  let image: { resourceUrl: string; uploadUrl: string } | undefined
  await step('image upload', async () => {
    image = await uploadOne(api, cfg, TINY_PNG, 'image/png', 'doc-attach-smoke.png', findings)
  })

  if (image) {
    const uploaded = image
    await step('CORS preflight on the upload host', () => corsPreflight(uploaded.uploadUrl, cfg.origin))
    await step('image paragraph (src = resourceUrl as returned)', async () => {
      const before = await blockIds()
      const block = await api.insertBlock(cfg.docId, cfg.unionId, {
        element: { blockType: 'paragraph', paragraph: {}, children: [{ elementType: 'image', properties: { src: uploaded.resourceUrl } }] },
      })
      seen.insertAnswer = readInsertAnswer(answers.get(INSERT_API))
      findings.push({
        check: 'image paragraph (src = resourceUrl as returned)',
        result: block ? `accepted, block ${block.id} at index ${block.index}` : 'accepted, answer names no block',
      })
      const stored = await insertedBlock(before, block?.id)
      seen.blocksShowChildren = Array.isArray(stored?.children) && stored.children.length > 0
      const src = JSON.stringify(stored?.children ?? []).match(/"src":"([^"]*)"/)?.[1]
      findings.push({
        check: 'src as DocBlocksQuery returns it',
        result:
          src === undefined
            ? 'no src found in the block'
            : src === uploaded.resourceUrl
              ? 'identical to resourceUrl'
              : `differs: ${safeUrl(src)}`,
      })
      if (typeof stored?.id === 'string') {
        const paragraphId = stored.id
        await step('link appended to that paragraph (DocAppendParagraph)', async () => {
          const element = await api.appendParagraphElement(cfg.docId, paragraphId, cfg.unionId, {
            elementType: 'link',
            properties: { href: `https://alidocs.dingtalk.com/i/nodes/${cfg.docId}` },
            children: [{ text: 'Doc Attach smoke' }],
          })
          seen.appendAnswer = resultData(answers.get(APPEND_API)) === undefined ? 'bare' : 'element'
          return element ? `accepted, element ${element.elementId}` : 'accepted, answer names no element'
        })
      }
    })
  }

  let file: { resourceId: string } | undefined
  await step('file upload (text/plain)', async () => {
    file = await uploadOne(api, cfg, Buffer.from('Doc Attach smoke test\n'), 'text/plain', 'doc-attach-smoke.txt', findings)
  })
  if (file) {
    const uploaded = file
    await step('attachment block (undocumented)', async () => {
      try {
        const before = await blockIds()
        const block = await api.insertBlock(cfg.docId, cfg.unionId, {
          element: {
            blockType: 'attachment',
            attachment: { resourceId: uploaded.resourceId, type: 'text/plain', name: 'doc-attach-smoke.txt', viewType: 'preview' },
          },
        })
        const stored = await insertedBlock(before, block?.id)
        if (typeof stored?.blockType === 'string') seen.attachmentReadAs = stored.blockType
        return `${block ? `accepted, block ${block.id}` : 'accepted, answer names no block'}; read back as ${seen.attachmentReadAs ?? '(not found)'}`
      } catch (err) {
        if (err instanceof DingTalkError && err.appCode === 'invalid_request')
          return `refused (${err.dingtalkCode}): the link fallback will be used`
        throw err
      }
    })
  }

  await step('search with no results (is an empty list left out?)', async () => {
    const page = await api.searchDocs(cfg.unionId, `doc-attach-smoke-${Date.now().toString(36)}-none`, { maxResults: 1 })
    if (page.items.length > 0) return 'found documents; cannot tell'
    seen.emptyList = Array.isArray(record(answers.get(SEARCH_API)).docs) ? 'kept' : 'left-out'
    return seen.emptyList === 'kept' ? '"docs": [] sent' : '"docs" left out'
  })

  await step('v1.0 app token on oapi (getuserinfo with a made-up code)', async () => {
    try {
      await createClient({ oapiToken: 'app', maxAttempts: 1 }).getUserByAuthCode('doc-attach-smoke-not-a-code')
      return 'unexpected: a made-up code was accepted'
    } catch (err) {
      if (!(err instanceof DingTalkError)) throw err
      seen.v1TokenOnOapi = err.dingtalkCode !== '40014' && err.dingtalkCode !== '42001'
      return `${seen.v1TokenOnOapi ? 'token accepted' : 'token refused'} (errcode ${err.dingtalkCode})`
    }
  })

  findings.push(...describeMatch(matchProfile(seen)))
  return findings
}

/** Prints findings as a two-column table. */
export function formatTable(findings: Finding[]): string {
  const width = Math.max(5, ...findings.map((f) => f.check.length))
  const line = `${'-'.repeat(width + 2)}+${'-'.repeat(60)}`
  return [`${'check'.padEnd(width)}  | result`, line, ...findings.map((f) => `${f.check.padEnd(width)}  | ${f.result}`)].join('\n')
}

async function main(): Promise<number> {
  const args = parseSmokeArgs(process.argv.slice(2), process.env)
  if (args.help) {
    console.log(HELP)
    return 0
  }
  if ('errors' in args) {
    console.error(`smoke:live cannot start:\n${args.errors.map((e) => `  - ${e}`).join('\n')}\n\nRun with --help for details.`)
    return 2
  }
  const cfg = args.config
  const createClient = (extra: Partial<DingTalkClientConfig>) =>
    createDingTalkClient({ apiBase: cfg.apiBase, oapiBase: cfg.oapiBase, appKey: cfg.appKey, appSecret: cfg.appSecret, ...extra })
  console.log(`Doc Attach live smoke test — corp ${cfg.corpId}, document ${cfg.docId}, API ${cfg.apiBase}\n`)
  const findings = await runSmoke(cfg, createClient)
  console.log(formatTable(findings))
  return findings.some((f) => f.result.startsWith('FAILED')) ? 1 : 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`smoke:live failed: ${describeError(err)}`)
      process.exit(1)
    },
  )
}
