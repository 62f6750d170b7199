/**
 * `resume`: a 60 MB file through the resumable upload route (tus, with tus-js-client as the H5 uses
 * it) over a 10 Mbit/s, 150 ms link whose connections are all cut when 30 % and again when 70 % of
 * the file has crossed it. Reports the bytes the client put on the link (every attempt, headers
 * included) against the file size, and the time until the resource was ready against the time the
 * file alone needs on that link.
 */
import { randomBytes } from 'node:crypto'
import { Upload } from 'tus-js-client'
import { ResourceResponseSchema } from '../../server/contract/api'
import { ApiClient } from '../../testing/drills/api-client'
import { editablePairs, getState, resetEmulator } from '../../testing/emulator-control'
import { startChildServer } from '../../testing/drills/processes'
import { startShapedLink } from './link'
import { progress } from './report'

const FILE_BYTES = 60 * 1000 * 1000
const UPLINK_BITS_PER_SEC = 10_000_000
const RTT_MS = 150
const CUTS = [0.3, 0.7]

export interface ResumeResult {
  bytes: number
  bytesSentRatio: number
  seconds: number
  linkSeconds: number
  cuts: number
}

function pdfLike(size: number): Buffer {
  const head = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1')
  return Buffer.concat([head, randomBytes(size - head.length)])
}

export async function runResume(emulatorUrl: string, env: Record<string, string>): Promise<ResumeResult> {
  await resetEmulator(emulatorUrl)
  const pair = editablePairs(await getState(emulatorUrl))[0]
  if (!pair) throw new Error('no editable document in the emulator seed')
  const server = await startChildServer({ ...env, EMULATOR_URL: emulatorUrl }, { showOutput: true })
  const link = await startShapedLink(server.url, { uplinkBitsPerSec: UPLINK_BITS_PER_SEC, rttMs: RTT_MS })
  try {
    const client = new ApiClient(server.url)
    await client.signIn(pair.userId)
    const headers = { cookie: client.cookieHeader(), 'x-csrf-token': client.csrfToken }
    const file = pdfLike(FILE_BYTES)
    const start = performance.now()
    link.cutAt(CUTS.map((f) => Math.round(f * FILE_BYTES)))
    const uploadUrl = await new Promise<string>((resolve, reject) => {
      const upload: Upload = new Upload(file, {
        endpoint: `${link.url}/api/documents/${pair.docId}/uploads`,
        headers,
        metadata: { filename: 'inspection.pdf', filetype: 'application/pdf' },
        // As the H5: one PATCH for the rest of the file, retried with backoff after a cut.
        retryDelays: [0, 1000, 3000, 5000],
        onShouldRetry: () => true,
        onError: reject,
        onSuccess: () => resolve(upload.url ?? ''),
      })
      upload.start()
    })
    const id = uploadUrl.split('/').pop() ?? ''
    for (;;) {
      const res = await client.request('GET', `/api/documents/${pair.docId}/uploads/${id}/resource`)
      if (res.status === 200) {
        ResourceResponseSchema.parse(JSON.parse(res.body.toString()))
        break
      }
      if (res.status !== 202) throw new Error(`resource answered ${res.status}: ${res.body.toString()}`)
      await new Promise((r) => setTimeout(r, 100))
    }
    const seconds = (performance.now() - start) / 1000
    client.close()
    const result: ResumeResult = {
      bytes: link.uplinkBytes,
      bytesSentRatio: link.uplinkBytes / FILE_BYTES,
      seconds,
      linkSeconds: (FILE_BYTES * 8) / UPLINK_BITS_PER_SEC,
      cuts: link.cuts,
    }
    progress(
      'resume',
      `${(FILE_BYTES / 1e6).toFixed(0)} MB, ${link.cuts} cuts: ${(result.bytes / 1e6).toFixed(2)} MB on the link ` +
        `(×${result.bytesSentRatio.toFixed(3)}), ${seconds.toFixed(1)} s vs ${result.linkSeconds} s for the bytes alone`,
    )
    return result
  } finally {
    await link.close()
    await server.stop()
  }
}
