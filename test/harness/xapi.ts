// The XAPI client xo-server hands to plugins: the real `xen-api` client, extended the way
// `@xen-orchestra/xapi` extends it (that package is not installable here) with what plugins reach
// through XO: `watchObject()` and `host_restartAgent()`. Because `xen-api` gives every record a
// `$<method>` for each `<type>_<method>` of the client, host records get `$restartAgent()` as in XO.
import type { EventEmitter } from 'node:events'

import type { XapiRecord } from './objects'

export interface XapiOptions {
  url: string
  auth: { user: string; password: string }
  allowUnauthorized?: boolean
  readOnly?: boolean
  watchEvents?: boolean | string[]
  eventPollDelay?: number
  /**
   * Makes every call fail for this long after the events stop flowing (a master restart), as the client
   * of xo-server 5.207 does (xen-api 4.8 with master failover waits `eventPollDelay` before reconnecting).
   */
  refuseCallsAfterEventErrorMs?: number
  callTimeout?: number | Record<string, number>
  [option: string]: unknown
}

export type RecordsByRef = Record<string, XapiRecord>

/** The part of the `xen-api` client (4.7.6) the harness and plugins use. */
export interface XenApiClient extends EventEmitter {
  readonly status: 'connected' | 'connecting' | 'disconnected'
  readonly pool: XapiRecord
  readonly readOnly: boolean
  readonly objects: EventEmitter & { all: RecordsByRef }
  readonly objectsFetched: Promise<void>
  connect(): Promise<void>
  disconnect(): Promise<void>
  watchEvents(): void
  call<T = any>(method: string, ...args: unknown[]): Promise<T>
  callAsync<T = any>(method: string, ...args: unknown[]): Promise<T>
  getField<T = any>(type: string, ref: string, field: string): Promise<T>
  getObject(idOrUuidOrRef: string, defaultValue?: unknown): XapiRecord
  getObjectByRef(ref: string, defaultValue?: unknown): XapiRecord
  getObjectByUuid(uuid: string, defaultValue?: unknown): XapiRecord
  barrier(ref?: string): Promise<void>
}

// xen-api is ESM without types; Node ≥ 20.19 lets CommonJS require it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Xapi: XenApi } = require('xen-api') as { Xapi: new (options: XapiOptions) => XenApiClient }

type Watcher = (record: XapiRecord) => void

export class XoXapi extends XenApi {
  #refusingCallsUntil = 0

  constructor(options: XapiOptions) {
    super(options)
    const refuseMs = options.refuseCallsAfterEventErrorMs
    if (refuseMs !== undefined) {
      this.on('eventFetchingError', () => {
        this.#refusingCallsUntil = Math.max(this.#refusingCallsUntil, Date.now() + refuseMs)
      })
    }
  }

  override call<T = any>(method: string, ...args: unknown[]): Promise<T> {
    if (Date.now() < this.#refusingCallsUntil) {
      return Promise.reject(new Error(`${method}: the pool connection is waiting to reconnect to the master`))
    }
    return super.call<T>(method, ...args)
  }

  /**
   * Calls `cb` with the record identified by `refOrUuid` each time it is added or updated in the
   * cache, until the returned function is called.
   */
  watchObject(refOrUuid: string, cb: Watcher): () => void {
    const onChange = (records: RecordsByRef) => {
      for (const record of Object.values(records)) {
        if (record.$ref === refOrUuid || record.$id === refOrUuid) cb(record)
      }
    }
    this.objects.on('add', onChange)
    this.objects.on('update', onChange)
    return () => {
      this.objects.off('add', onChange)
      this.objects.off('update', onChange)
    }
  }

  /**
   * Restarts the toolstack of a host and waits for it to be back: its `agent_start_time` later than
   * before and the host enabled. Like XO, with no time limit: callers bring their own.
   */
  async host_restartAgent(ref: string): Promise<void> {
    const otherConfig = await this.getField<Record<string, string>>('host', ref, 'other_config')
    const previousStart = +otherConfig.agent_start_time
    await this.call('host.restart_agent', ref)
    await new Promise<void>(resolve => {
      const stop = this.watchObject(ref, host => {
        if (+host.other_config.agent_start_time > previousStart && host.enabled) {
          stop()
          resolve()
        }
      })
    })
  }
}
