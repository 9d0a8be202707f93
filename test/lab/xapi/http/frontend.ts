// A host's XAPI on the network: HTTPS on 443 (stunnel in front of XAPI on a real host) and
// HTTP on 80, bound to the host's address. Requests go to XAPI's handlers by method and
// longest path prefix (http_svr.ml): a method with no handler at all gets 501, a path no
// handler claims gets 403. Closing drops every open connection, as a stopped XAPI does.
import * as http from 'node:http'
import * as https from 'node:https'
import type * as net from 'node:net'

import type { XapiSettings } from '../conf/settings'
import { sendFile } from './fileserver'
import { type Dispatch, serveJsonRpc } from './jsonrpc'
import { CLOSE_HEADERS, forbidden, internalError, methodNotImplemented, methodNotImplementedBody } from './responses'

export interface FrontendHost {
  address: string
  tls: { cert: string; key: string }
  wwwDir: string
  /** The running XAPI's settings. */
  settings(): XapiSettings
  /** Extra latency of every response, in ms. */
  slowMs(): number
  dispatch: Dispatch
}

export const HTTPS_PORT = 443
export const HTTP_PORT = 80

// Methods XAPI has handlers for; anything else (HEAD, DELETE, …) is `Method_not_implemented`.
const HANDLED_METHODS = new Set(['GET', 'POST', 'PUT', 'OPTIONS'])

export class HostFrontend {
  private servers: Array<http.Server | https.Server> = []
  private readonly sockets = new Set<net.Socket>()

  constructor(private readonly host: FrontendHost) {}

  async listen(): Promise<void> {
    const plain = http.createServer((req, res) => this.handle(req, res, false))
    const secure = https.createServer({ ...this.host.tls }, (req, res) => this.handle(req, res, true))
    this.servers = [secure, plain]
    for (const server of this.servers) {
      // XAPI keeps an idle connection open until the client closes it (no keep-alive timeout).
      server.keepAliveTimeout = 0
      server.on('connection', (socket: net.Socket) => {
        this.sockets.add(socket)
        socket.on('close', () => this.sockets.delete(socket))
      })
      server.on('clientError', refuseUnparsableRequest)
      // CONNECT has handlers in XAPI, none at the paths a client may ask here.
      server.on('connect', (_req: http.IncomingMessage, socket: net.Socket) => socket.end(rawResponse(403, 'Forbidden', '')))
    }
    try {
      await listenOn(secure, HTTPS_PORT, this.host.address)
      await listenOn(plain, HTTP_PORT, this.host.address)
    } catch (error) {
      await this.close()
      throw error
    }
  }

  async close(): Promise<void> {
    const closed = this.servers.filter(server => server.listening).map(server => new Promise(resolve => server.close(resolve)))
    for (const socket of this.sockets) socket.destroy()
    this.servers = []
    await Promise.all(closed)
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, secure: boolean): Promise<void> {
    try {
      const delay = this.host.slowMs()
      if (delay > 0) await new Promise(resolve => setTimeout(resolve, delay))
      await this.route(req, res, secure)
    } catch (error) {
      if (!res.headersSent) internalError(res, String(error))
    }
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse, secure: boolean): Promise<void> {
    const method = req.method ?? ''
    const path = req.url ?? '/'
    if (!HANDLED_METHODS.has(method)) return methodNotImplemented(res, method)
    if (method === 'POST' && path.startsWith('/jsonrpc')) return serveJsonRpc(req, res, this.host.dispatch)
    if (method === 'POST') return internalError(res, 'XML-RPC is not simulated by the lab')
    if (method === 'OPTIONS') return preflight(req, res)
    const settings = this.host.settings()
    if (method === 'GET' && !settings.disableWebserver) {
      return sendFile({ req, res, secure, wwwDir: this.host.wwwDir, settings })
    }
    forbidden(res)
  }
}

// respond_to_options: CORS preflight for the RPC endpoints.
function preflight(req: http.IncomingMessage, res: http.ServerResponse): void {
  const requested = req.headers['access-control-request-headers']
  res.writeHead(200, 'OK', {
    'access-control-allow-origin': '*',
    'access-control-allow-headers': requested === undefined ? 'X-Requested-With' : `${requested}, X-Requested-With`,
    'access-control-allow-methods': 'PUT',
    'cache-control': 'no-cache, no-store',
    'content-length': 0,
  })
  res.end()
}

// Node rejects request lines with methods it does not know before any handler runs; XAPI
// answers those with 501 like any other method it has no handler for.
function refuseUnparsableRequest(error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: net.Socket): void {
  if (!socket.writable) return
  if (error.code === 'HPE_INVALID_METHOD') {
    const method = error.rawPacket?.toString('latin1').split(' ')[0] ?? ''
    socket.end(rawResponse(501, 'Method not implemented', methodNotImplementedBody(method), 'text/html'))
  } else {
    socket.destroy()
  }
}

function rawResponse(code: number, reason: string, body: string, contentType?: string): string {
  const headers = { 'content-length': Buffer.byteLength(body), ...(contentType ? { 'content-type': contentType } : {}), ...CLOSE_HEADERS }
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`)
  return [`HTTP/1.1 ${code} ${reason}`, ...lines, '', body].join('\r\n')
}

function listenOn(server: net.Server, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, address, () => {
      server.off('error', reject)
      resolve()
    })
  })
}
