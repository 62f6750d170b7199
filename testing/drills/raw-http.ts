/**
 * HTTP/1.1 over a raw TCP socket, for requests no well-behaved client library will send: raw NUL
 * and invalid UTF-8 in paths, headers over 16 KB, lying Content-Length, truncated bodies.
 */
import net from 'node:net'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: Buffer
}

/**
 * Writes `request` (bytes exactly as given) to host:port and reads one response until the
 * server closes the connection (send `Connection: close`). Resolves null when the server closed
 * without answering; rejects on timeout.
 */
export function rawRequest(
  url: string,
  request: Buffer,
  opts: { timeoutMs?: number; halfClose?: boolean } = {},
): Promise<RawResponse | null> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) })
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no answer within ${opts.timeoutMs ?? 10_000} ms`))
    }, opts.timeoutMs ?? 10_000)
    socket.on('connect', () => {
      socket.write(request)
      // Ending our side says "that is all the body there is" (a client that went away mid-upload).
      if (opts.halfClose) socket.end()
    })
    socket.on('data', (c: Buffer) => chunks.push(c))
    // The server may reset the connection after answering (e.g. it refused a body it did not read).
    socket.on('error', () => socket.destroy())
    socket.on('close', () => {
      clearTimeout(timer)
      const data = Buffer.concat(chunks)
      if (data.length === 0) resolve(null)
      else {
        try {
          resolve(parseResponse(data))
        } catch (err) {
          reject(err)
        }
      }
    })
  })
}

/** Parses one HTTP/1.1 response (Content-Length, chunked, or read-to-close body), skipping 1xx interim answers. */
export function parseResponse(data: Buffer): RawResponse {
  while (/^HTTP\/1\.[01] 1\d\d /.test(data.subarray(0, 16).toString('latin1'))) {
    const interimEnd = data.indexOf('\r\n\r\n')
    if (interimEnd < 0) break
    data = data.subarray(interimEnd + 4)
  }
  const end = data.indexOf('\r\n\r\n')
  if (end < 0) throw new Error(`incomplete response head: ${JSON.stringify(data.toString('latin1').slice(0, 200))}`)
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n')
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)
  if (!match) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine)}`)
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  let body = data.subarray(end + 4)
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body)
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']))
  return { status: Number(match[1]), headers, body }
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = []
  let pos = 0
  while (pos < data.length) {
    const lineEnd = data.indexOf('\r\n', pos)
    if (lineEnd < 0) break
    const size = parseInt(data.subarray(pos, lineEnd).toString('latin1'), 16)
    if (!Number.isFinite(size) || size === 0) break
    out.push(data.subarray(lineEnd + 2, lineEnd + 2 + size))
    pos = lineEnd + 2 + size + 2
  }
  return Buffer.concat(out)
}
