// XO's JSON-RPC API over WebSocket at `/api/`, as xo-server serves it to xo-web, xo-lib and xo-cli: one
// API connection per socket (signed in with `session.signIn`), JSON-RPC 2.0 requests answered through
// the harness' API pipeline, errors sent as xo-server sends them (XO errors as they are, other errors
// with their message to admins and as "unknown error from the peer" to others), and object changes
// pushed to signed-in clients as `all` notifications (`enter` / `exit`).
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'

import { Connection } from './api'
import { isJsonRpcError } from './errors'
import { serializeError } from './task'
import type { XoApp } from './xo-app'

const PATH = '/api/'

interface JsonRpcRequest {
  id?: string | number | null
  method?: unknown
  params?: unknown
}

export class WsApi {
  readonly #xo: XoApp
  readonly #wss = new WebSocketServer({ noServer: true })
  readonly #clients = new Map<WebSocket, Connection>()
  readonly #stopNotifications: () => void

  constructor(xo: XoApp, server: Server) {
    this.#xo = xo
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (req.url !== PATH) return void socket.destroy()
      this.#wss.handleUpgrade(req, socket, head, ws => this.#accept(ws, req))
    })
    this.#stopNotifications = this.#forwardObjectChanges()
  }

  close(): void {
    this.#stopNotifications()
    for (const ws of this.#clients.keys()) ws.terminate()
    this.#wss.close()
  }

  #accept(ws: WebSocket, req: IncomingMessage): void {
    const connection = new Connection()
    connection.set('user_ip', req.socket.remoteAddress)
    this.#clients.set(ws, connection)
    ws.on('close', () => this.#clients.delete(ws))
    ws.on('message', data => void this.#answer(ws, connection, String(data)))
  }

  async #answer(ws: WebSocket, connection: Connection, text: string): Promise<void> {
    let request: JsonRpcRequest
    try {
      request = JSON.parse(text)
    } catch {
      return send(ws, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'invalid JSON' } })
    }
    const { id, method, params } = request
    if (typeof method !== 'string') {
      return send(ws, { jsonrpc: '2.0', id: id ?? null, error: { code: -32600, message: 'invalid JSON-RPC request' } })
    }
    try {
      const result = await this.#xo.callApiMethod(connection, method, (params ?? {}) as Record<string, unknown>)
      if (id !== undefined) send(ws, { jsonrpc: '2.0', id, result })
    } catch (error) {
      if (id !== undefined) send(ws, { jsonrpc: '2.0', id, error: await this.#toJsonRpcError(connection, error) })
    }
  }

  async #toJsonRpcError(connection: Connection, error: unknown): Promise<{ code: number; message: string; data?: unknown }> {
    if (isJsonRpcError(error)) return error.toJsonRpcError()
    const userId = connection.get('user_id', undefined) as string | undefined
    const isAdmin = userId !== undefined && (await this.#xo.getUser(userId)).permission === 'admin'
    if (isAdmin && error instanceof Error) return { code: -32000, message: error.message, data: serializeError(error) }
    return { code: -32000, message: 'unknown error from the peer' }
  }

  #forwardObjectChanges(): () => void {
    const objects = this.#xo.objects
    const notify = (type: 'enter' | 'exit', items: Record<string, unknown>) => {
      for (const [ws, connection] of this.#clients) {
        if (connection.has('user_id')) send(ws, { jsonrpc: '2.0', method: 'all', params: { type, items } })
      }
    }
    const onEnter = (items: Record<string, unknown>) => notify('enter', items)
    const onExit = (items: Record<string, unknown>) => notify('exit', Object.fromEntries(Object.keys(items).map(id => [id, 0])))
    objects.on('add', onEnter)
    objects.on('update', onEnter)
    objects.on('remove', onExit)
    return () => {
      objects.off('add', onEnter)
      objects.off('update', onEnter)
      objects.off('remove', onExit)
    }
  }
}

function send(ws: WebSocket, message: object): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message))
}
