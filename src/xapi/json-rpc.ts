// One XAPI JSON-RPC call over HTTPS (`POST /jsonrpc`, JSON-RPC 2.0, the framing XAPI answers since 7.x):
// a fresh connection per call, so that nothing is kept open to a host that is restarting. XAPI errors
// come back as `XapiError` (their code and parameters), anything else as a one-line `Error`.
import { request } from 'node:https'
import { isIP } from 'node:net'

export interface JsonRpcTarget {
  address: string
  port?: number
  /** Accept a certificate the system does not trust (the server record's "allow unauthorized"). */
  allowUnauthorized: boolean
  timeoutMs: number
}

export class XapiError extends Error {
  readonly code: string
  readonly params: unknown[]

  constructor(code: string, params: unknown[]) {
    super(params.length === 0 ? code : `${code}(${params.map(String).join(', ')})`)
    this.name = 'XapiError'
    this.code = code
    this.params = params
  }
}

/** An answer larger than this is not XAPI answering the few calls made here. */
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024
let nextId = 0

export function callJsonRpc<T>(target: JsonRpcTarget, method: string, params: unknown[]): Promise<T> {
  const body = JSON.stringify({ jsonrpc: '2.0', method, params, id: ++nextId })
  return new Promise<T>((resolve, reject) => {
    const req = request({
      host: target.address,
      port: target.port ?? 443,
      method: 'POST',
      path: '/jsonrpc',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
      agent: false,
      servername: isIP(target.address) === 0 ? target.address : undefined,
      rejectUnauthorized: !target.allowUnauthorized,
      signal: AbortSignal.timeout(target.timeoutMs),
    })
    req.on('error', error => reject(new Error(`XAPI on ${target.address}: ${oneLine(error)}`)))
    req.on('response', res => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_RESPONSE_BYTES) {
          res.destroy(new Error(`answer larger than ${MAX_RESPONSE_BYTES} bytes`))
          return
        }
        chunks.push(chunk)
      })
      res.on('error', error => reject(new Error(`XAPI on ${target.address}: ${oneLine(error)}`)))
      res.on('end', () => {
        try {
          resolve(answerOf<T>(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')))
        } catch (error) {
          reject(error instanceof XapiError ? error : new Error(`XAPI on ${target.address}: ${oneLine(error)}`))
        }
      })
    })
    req.end(body)
  })
}

function answerOf<T>(status: number, text: string): T {
  if (status !== 200) {
    throw new Error(`HTTP ${status}`)
  }
  const answer = JSON.parse(text) as { result?: T; error?: { message?: unknown; data?: unknown } | null }
  if (answer.error !== undefined && answer.error !== null) {
    const data = Array.isArray(answer.error.data) ? answer.error.data : []
    throw new XapiError(String(answer.error.message ?? 'INTERNAL_ERROR'), data)
  }
  return answer.result as T
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split('\n')[0]
}
