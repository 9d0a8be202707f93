// POST /jsonrpc (api_server.ml `jsoncallback`, ocaml-rpc's Jsonrpc): JSON-RPC 1.0 and 2.0
// requests, XAPI's error shapes, `content-type: application/json` exactly. A request it cannot
// read is an uncaught exception in XAPI: HTTP 500 with an HTML body.
import type { IncomingMessage, ServerResponse } from 'node:http'

import { XapiError } from '../api/errors'
import { escapeHtml, internalError } from './responses'

type Version = 1 | 2

export interface RpcCall {
  version: Version
  id: number | string
  method: string
  params: unknown[]
}

class MalformedRequest extends Error {}

export function parseCall(body: string): RpcCall {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch (error) {
    throw new MalformedRequest(`Yojson.Json_error(${JSON.stringify((error as Error).message)})`)
  }
  const malformed = (why: string) => new MalformedRequest(`Jsonrpc.Malformed_method_request(${JSON.stringify(why)})`)
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw malformed('Invalid request body')
  const request = json as Record<string, unknown>
  if (!('method' in request)) throw malformed('Required field method is missing')
  if (typeof request.method !== 'string') throw malformed("Invalid field 'method' in request body")
  const version = versionOf(request.jsonrpc, malformed)
  const params = paramsOf(version, request, malformed)
  const { id } = request
  if (!(typeof id === 'string' || Number.isInteger(id))) throw malformed("Invalid field 'id' in request body")
  return { version, id: id as number | string, method: request.method, params }
}

function versionOf(jsonrpc: unknown, malformed: (why: string) => Error): Version {
  if (jsonrpc === undefined) return 1
  if (jsonrpc === '2.0') return 2
  throw malformed("Invalid field 'jsonrpc' in request body")
}

function paramsOf(version: Version, request: Record<string, unknown>, malformed: (why: string) => Error): unknown[] {
  const { params } = request
  if (version === 1 && !('params' in request)) throw malformed('Required field params is missing')
  if (Array.isArray(params)) return params
  if (version === 2 && (params === undefined || params === null)) return []
  if (version === 2 && typeof params === 'object') return [params]
  throw malformed("Invalid field 'params' in request body")
}

export function formatResult(call: RpcCall, result: unknown): string {
  return JSON.stringify(
    call.version === 1 ? { result, error: null, id: call.id } : { jsonrpc: '2.0', result, id: call.id }
  )
}

export function formatError(call: RpcCall, error: XapiError): string {
  return JSON.stringify(
    call.version === 1
      ? { result: null, error: [error.code, ...error.params], id: call.id }
      : { jsonrpc: '2.0', error: { code: 1, message: error.code, data: error.params }, id: call.id }
  )
}

export type Dispatch = (method: string, params: unknown[], signal: AbortSignal) => Promise<unknown>

export async function serveJsonRpc(req: IncomingMessage, res: ServerResponse, dispatch: Dispatch): Promise<void> {
  let call: RpcCall
  try {
    call = parseCall(await readBody(req))
  } catch (error) {
    if (error instanceof MalformedRequest) return internalError(res, escapeHtml(error.message))
    throw error
  }
  const aborted = new AbortController()
  res.on('close', () => aborted.abort())
  let body: string
  try {
    body = formatResult(call, await dispatch(call.method, call.params, aborted.signal))
  } catch (error) {
    if (!(error instanceof XapiError)) return internalError(res, escapeHtml(String(error)))
    body = formatError(call, error)
  }
  res.writeHead(200, 'OK', {
    'content-type': 'application/json',
    'access-control-allow-origin': '*',
    'access-control-allow-headers': 'X-Requested-With',
    'cache-control': 'no-cache, no-store',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
