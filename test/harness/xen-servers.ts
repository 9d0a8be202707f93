// Connections to pools, as xo-server's XenServers mixin (xo-mixins/xen-servers.mjs) makes and uses them:
// one `xen-api` client per server record, created with xo-server's options, connected, refused if its
// pool is already connected, its cache turned into XO objects (objects that fail to transform are
// retried at the next batch, as XO does), then `watchEvents()`. `getXapi`, `getXapiObject`,
// `getAllXapis` and `getAllXenServers` answer as xo-server does, including for pools not connected.
import { randomUUID } from 'node:crypto'
import os from 'node:os'

import { incorrectState, noSuchObject } from './errors'
import { xapiObjectToXo, type Dependents, type XapiRecord, type XoObject } from './objects'
import { XoXapi, type RecordsByRef } from './xapi'
import type { XoObjects } from './xo-objects'

export interface XenServerSpec {
  /** The pool master's XAPI URL, e.g. `https://127.77.1.1` (xo-server's `host` field). */
  url: string
  username: string
  password: string
  label?: string
  allowUnauthorized?: boolean
  readOnly?: boolean
}

export interface XenServerRecord {
  id: string
  label?: string
  host: string
  username: string
  allowUnauthorized: boolean
  readOnly: boolean
  enabled: boolean
  status: 'connected' | 'connecting' | 'disconnected'
  error?: unknown
  poolId?: string
  master?: string
  poolNameLabel?: string
}

interface ServerState {
  spec: XenServerSpec & { id: string }
  enabled: boolean
  error?: unknown
}

export interface XenServersOptions {
  /** xo-server's `[xapiOptions]`, passed to every `xen-api` client; a small `eventPollDelay` keeps tests fast. */
  xapiOptions?: { eventPollDelay?: number; callTimeout?: number; refuseCallsAfterEventErrorMs?: number }
  /**
   * How long after an event-fetching error a pool's XO objects are hidden (and its server `connecting`)
   * until events flow again. xo-server 5.207.2 hides them at once: it reads its 5-minute
   * `xapiMarkDisconnectedDelay` from the wrong object (reference: xo-server-vs-simulated-xapi.md §5.3).
   */
  markDisconnectedDelay?: number
}

type Emit = (event: string, payload: unknown) => void

// xo-server's defaults: poolMarkingPrefix, poolMarkingMaxAge (48 hours), poolMarkingInterval (6 hours).
const POOL_MARKING = { prefix: 'xo:clientInfo:', maxAge: 48 * 3600e3, interval: 6 * 3600e3 }

export class PoolAlreadyConnected extends Error {
  constructor(
    readonly poolId: string,
    readonly connectedServerId: string,
    readonly connectingServerId: string
  ) {
    super('this pool is already connected')
  }
}

export class XenServers {
  readonly #servers = new Map<string, ServerState>()
  readonly #xapis: Record<string, XoXapi> = Object.create(null)
  readonly #serverIdsByPool: Record<string, string> = Object.create(null)
  readonly #uninstallers = new Map<string, () => void>()
  readonly #objects: XoObjects
  readonly #emit: Emit
  readonly #options: XenServersOptions
  /** Random per start, as in xo-server when it does not run in a VM with XenStore. */
  readonly #applianceUuid = randomUUID()
  #nextId = 1

  constructor(objects: XoObjects, emit: Emit, options: XenServersOptions = {}) {
    this.#objects = objects
    this.#emit = emit
    this.#options = options
  }

  addXenServer(spec: XenServerSpec): string {
    const id = `server-${this.#nextId++}`
    this.#servers.set(id, { spec: { allowUnauthorized: true, readOnly: false, ...spec, id }, enabled: false })
    return id
  }

  async connectXenServer(id: string): Promise<void> {
    const server = this.#getServer(id)
    const status = this.#status(id)
    if (status !== 'disconnected') {
      incorrectState({ actual: status, expected: 'disconnected', object: id, property: 'status' })
    }
    server.enabled = true
    const { spec } = server
    const xapi = (this.#xapis[id] = new XoXapi({
      allowUnauthorized: spec.allowUnauthorized,
      readOnly: spec.readOnly,
      ...this.#options.xapiOptions,
      auth: { user: spec.username, password: spec.password },
      url: spec.url,
      watchEvents: false,
    }))
    try {
      await xapi.connect()
      const poolId = xapi.pool.$id
      const connectedServerId = this.#serverIdsByPool[poolId]
      if (connectedServerId !== undefined) throw new PoolAlreadyConnected(poolId, connectedServerId, id)
      this.#serverIdsByPool[poolId] = id
      this.#uninstallers.set(id, this.#install(xapi))
      xapi.watchEvents()
      server.error = undefined
      this.#hideObjectsOnEventErrors(id, xapi, poolId)
      xapi.once('disconnected', () => this.#onDisconnected(id, poolId))
      this.#emit('server:connected', { server: this.#record(id), xapi })
    } catch (error) {
      delete this.#xapis[id]
      server.error = error
      void xapi.disconnect().catch(() => {})
      throw error
    }
  }

  async disconnectXenServer(id: string): Promise<void> {
    const server = this.#getServer(id)
    server.enabled = false
    await this.#xapis[id]?.disconnect()
  }

  getAllXapis(): Record<string, XoXapi> {
    return this.#xapis
  }

  getXenServerIdByObject(object: XoObject | string, type?: string | string[]): string {
    const xoObject = typeof object === 'string' ? this.#objects.getObject(object, type) : object
    const poolId = xoObject.$pool
    if (!poolId) throw new Error(`object ${xoObject.id} does not belong to a pool`)
    const serverId = this.#serverIdsByPool[poolId]
    if (serverId === undefined) throw new Error(`no connection found for object ${xoObject.id}`)
    return serverId
  }

  getXapi(object: XoObject | string, type?: string | string[]): XoXapi {
    return this.#xapis[this.getXenServerIdByObject(object, type)]
  }

  getXapiObject(objectOrId: XoObject | string, type?: string | string[]): XapiRecord {
    const object = typeof objectOrId === 'string' ? this.#objects.getObject(objectOrId, type) : objectOrId
    return this.getXapi(object).getObjectByRef(object._xapiRef)
  }

  /** The stored record with its password, as xo-server's `getXenServerWithCredentials(id)` returns it. */
  async getXenServerWithCredentials(id: string): Promise<XenServerRecord & { password: string }> {
    return { ...this.#record(id), password: this.#getServer(id).spec.password }
  }

  /** Server records as `xo.getAllXenServers()` returns them: no password, with status and pool. */
  async getAllXenServers(): Promise<XenServerRecord[]> {
    return [...this.#servers.keys()].map(id => this.#record(id))
  }

  async disconnectAll(): Promise<void> {
    await Promise.all([...this.#servers.keys()].map(id => this.disconnectXenServer(id)))
  }

  #getServer(id: string): ServerState {
    const server = this.#servers.get(id)
    if (server === undefined) noSuchObject(id, 'xenServer')
    return server!
  }

  #status(id: string): XenServerRecord['status'] {
    const xapi = this.#xapis[id]
    if (xapi === undefined) return 'disconnected'
    const poolId = xapi.status === 'connected' ? xapi.pool?.$id : undefined
    return poolId !== undefined && this.#serverIdsByPool[poolId] === id ? 'connected' : 'connecting'
  }

  #record(id: string): XenServerRecord {
    const { spec, enabled, error } = this.#getServer(id)
    const record: XenServerRecord = {
      id,
      label: spec.label,
      host: spec.url,
      username: spec.username,
      allowUnauthorized: spec.allowUnauthorized ?? true,
      readOnly: spec.readOnly ?? false,
      enabled,
      status: this.#status(id),
      error,
    }
    if (record.status === 'connected') {
      const { pool } = this.#xapis[id]
      Object.assign(record, { poolId: pool.$id, master: pool.$master?.$id, poolNameLabel: pool.name_label })
    }
    return record
  }

  #onDisconnected(id: string, poolId: string): void {
    this.#uninstallers.get(id)?.()
    this.#uninstallers.delete(id)
    const xapi = this.#xapis[id]
    delete this.#xapis[id]
    delete this.#serverIdsByPool[poolId]
    this.#emit('server:disconnected', { server: this.#record(id), xapi })
  }

  // After an event-fetching error, the pool's objects go away (and the server is `connecting`) until an
  // `event.from` succeeds again, as in xo-server.
  #hideObjectsOnEventErrors(id: string, xapi: XoXapi, poolId: string): void {
    const onError = () => {
      const hide = setTimeout(() => {
        this.#uninstallers.get(id)?.()
        this.#uninstallers.delete(id)
        delete this.#serverIdsByPool[poolId]
      }, this.#options.markDisconnectedDelay ?? 0)
      xapi.once('eventFetchingSuccess', () => {
        xapi.once('eventFetchingError', onError)
        if (this.#serverIdsByPool[poolId] !== undefined) return clearTimeout(hide)
        this.#serverIdsByPool[poolId] = id
        this.#uninstallers.set(id, this.#install(xapi))
      })
    }
    xapi.once('eventFetchingError', onError)
  }

  /**
   * What xo-server's `xapi.xo.install()` does: mirror the client's cache into XO objects and mark the
   * pool now and every 6 hours, until the returned function is called.
   */
  #install(xapi: XoXapi): () => void {
    const sync = new ObjectSync(this.#objects, xapi)
    const { objects } = xapi
    const onChange = (records: RecordsByRef) => sync.addOrUpdate(records)
    const onRemove = (records: RecordsByRef) => sync.remove(records)
    const onFinish = () => sync.retryFailed()
    objects.on('add', onChange)
    objects.on('update', onChange)
    objects.on('remove', onRemove)
    objects.on('finish', onFinish)
    sync.addOrUpdate(objects.all)
    void this.#markPool(xapi)
    const marking = setInterval(() => void this.#markPool(xapi), POOL_MARKING.interval).unref()
    return () => {
      clearInterval(marking)
      objects.off('add', onChange)
      objects.off('update', onChange)
      objects.off('remove', onRemove)
      objects.off('finish', onFinish)
      sync.remove(objects.all)
    }
  }

  /**
   * xo-server leaves its mark in `pool.other_config` (`xo:clientInfo:<appliance uuid>`: last connection
   * and network interfaces), dropping stale marks of other appliances. Failures are only logged there.
   */
  async #markPool(xapi: XoXapi): Promise<void> {
    if (xapi.readOnly) return
    const now = Date.now()
    const { pool } = xapi
    try {
      for (const [key, value] of Object.entries(pool.other_config as Record<string, string>)) {
        const isStale = key.startsWith(POOL_MARKING.prefix) && now - JSON.parse(value).lastConnected > POOL_MARKING.maxAge
        if (isStale) await pool.update_other_config(key, null)
      }
      const networkInterfaces = os.networkInterfaces()
      delete networkInterfaces.lo
      const mark = JSON.stringify({ lastConnected: now, networkInterfaces })
      await pool.update_other_config(POOL_MARKING.prefix + this.#applianceUuid, mark)
    } catch {
      // Same as xo-server: a pool that cannot be marked still works.
    }
  }
}

/** The per-connection state xo-server keeps to turn one client's records into XO objects. */
class ObjectSync {
  readonly #xoIdsByXapiId: Record<string, string> = Object.create(null)
  readonly #dependents: Dependents = Object.create(null)
  #toRetry: RecordsByRef = Object.create(null)
  #toRetryNext: RecordsByRef = Object.create(null)

  constructor(
    readonly objects: XoObjects,
    readonly xapi: XoXapi
  ) {}

  addOrUpdate(records: RecordsByRef): void {
    for (const [xapiId, record] of Object.entries(records)) this.#handle(xapiId, record)
  }

  remove(records: RecordsByRef): void {
    for (const xapiId of Object.keys(records)) {
      delete this.#toRetry[xapiId]
      const xoId = this.#xoIdsByXapiId[xapiId]
      if (xoId === undefined) continue
      delete this.#xoIdsByXapiId[xapiId]
      this.objects.unset(xoId)
    }
  }

  /** Objects whose transform failed get one more try after the next batch of events. */
  retryFailed(): void {
    const toRetry = this.#toRetry
    this.#toRetry = Object.create(null)
    this.addOrUpdate(toRetry)
    if (Object.keys(this.#toRetryNext).length !== 0) {
      this.#toRetry = this.#toRetryNext
      this.#toRetryNext = Object.create(null)
    }
  }

  #handle(xapiId: string, record: XapiRecord): void {
    // A record another object is built from (host_metrics for a host…) refreshes that object.
    const dependent = this.#dependents[record.$ref]
    if (dependent !== undefined) {
      delete this.#dependents[record.$ref]
      const owner = this.xapi.objects.all[dependent]
      if (owner !== undefined) this.#handle(dependent, owner)
      return
    }
    try {
      const object = xapiObjectToXo(record, this.#dependents)
      if (object === undefined) return
      const previousId = this.#xoIdsByXapiId[xapiId]
      if (previousId !== undefined && previousId !== object.id) this.objects.unset(previousId)
      this.#xoIdsByXapiId[xapiId] = object.id
      this.objects.set(object.id, object)
    } catch {
      // Like xo-server: the object stays absent (fields it needs are missing) until a retry succeeds.
      this.#toRetryNext[xapiId] = record
    }
  }
}
