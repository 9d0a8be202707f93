// The XO test harness: a stand-in for xo-server through which every test reaches the plugin. It holds
// real `xen-api` connections to the lab's pools, serves XO objects built from them, loads the BUILT
// plugin (dist/, through the package's `main`) the way xo-server does, and exposes xo-server's API
// pipeline, REST API, tasks, jobs and e-mail transport. Never import from src/ here or in tests that
// use it: the plugin must be reached only as xo-server reaches it.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'

import { Connection, type XoUser } from './api'
import { pluginApiMethods, sessionApiMethods, systemApiMethods } from './core-methods'
import { EmailTransport } from './email'
import { alertTransports, type AlertTransports } from './transports'
import { xapiObjectToXo, type XoObject } from './objects'
import { registerPluginPackage } from './plugin-loader'
import type { PluginInfo } from './plugins'
import { ADMIN, USER } from './users'
import type { XenServerSpec } from './xen-servers'
import { WsApi } from './ws-api'
import { XoApp } from './xo-app'
import type { ObjectFilter } from './xo-objects'

export type { XoUser } from './api'
export type { XoObject } from './objects'
export { ADMIN, USER } from './users'

/** The built plugin package, as xo-server finds it in `plugins.lookupPaths`. */
export const PLUGIN_PACKAGE_DIR = join(__dirname, '..', '..')

export interface PoolSpec extends XenServerSpec {
  /** Connect when the harness starts (default). A pool left disconnected is listed by `getAllXenServers()`. */
  autoConnect?: boolean
}

export interface HarnessOptions {
  pools?: PoolSpec[]
  /** xo-server's `datadir`; default: a new temporary directory, removed by `stop()`. */
  dataDir?: string
  /** xo-server config entries, read by `xo.config.get()`. */
  config?: Record<string, unknown>
  /** Define `xo.sendEmail` as the transport-email plugin does (default: true). */
  email?: boolean
  /** The other transport plugins loaded from the start (default: none; each can be installed later). */
  transports?: Array<keyof AlertTransports>
  /** `xen-api`'s wait after a failed `event.from` (default 200 ms); XO's default of 60 s is too slow for tests. */
  eventPollDelay?: number
  /** Delay before a pool's objects are hidden after an event error (default 0, as xo-server 5.207.2 does). */
  markDisconnectedDelay?: number
  /** Calls through a pool's client fail for this long after a master restart, as in xo-server 5.207 (60 s). */
  refuseCallsAfterMasterRestartMs?: number
  /** How long to wait for a connected pool's XO objects (default: 10 s). */
  objectsTimeout?: number
}

export interface RestResponse {
  status: number
  headers: Headers
  body: any
}

export interface Harness {
  readonly xo: XoApp
  readonly admin: XoUser
  readonly user: XoUser
  readonly dataDir: string
  /** Server record ids, in the order of `options.pools`. */
  readonly serverIds: string[]
  readonly email: EmailTransport
  /** Slack, XMPP, Nagios and Icinga2 stand-ins: `install(harness.defineProperty)` loads one. */
  readonly transports: AlertTransports
  /** xo.defineProperty, as a transport plugin's load() calls it. */
  defineProperty(name: string, value: unknown, thisArg?: unknown): () => void
  /** Base URL of the HTTP server: REST under `/rest/v0`, JSON-RPC over WebSocket at `/api/` (xo-lib's `url`). */
  readonly url: string
  /** Registers a plugin package like xo-server; `configuration` plays the one stored by a previous run. */
  loadPlugin(dir?: string, configuration?: unknown, options?: { name?: string; staticConfig?: Record<string, unknown> }): Promise<PluginInfo>
  /**
   * An API call through xo-server's pipeline, as `user` (default: the admin; `null`: not signed in).
   * Params and result go through JSON, as over the wire; errors are thrown as the method threw them.
   */
  call<T = any>(method: string, params?: Record<string, unknown>, options?: { user?: XoUser | null }): Promise<T>
  /** An HTTP request to the REST API, authenticated with the user's token cookie (none with `user: null`). */
  rest(method: string, path: string, options?: { user?: XoUser | null; body?: unknown; headers?: Record<string, string> }): Promise<RestResponse>
  getObjects(filter?: ObjectFilter): XoObject[]
  /** Resolves with the first object matching `filter`, waiting for XAPI events up to `timeout` ms. */
  waitForObject(filter: ObjectFilter, timeout?: number): Promise<XoObject>
  connectPool(serverId: string): Promise<void>
  disconnectPool(serverId: string): Promise<void>
  stop(): Promise<void>
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const ownsDataDir = options.dataDir === undefined
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'xo-harness-')))
  const xo = new XoApp({
    dataDir,
    config: options.config,
    xenServers: {
      xapiOptions: { eventPollDelay: options.eventPollDelay ?? 200, refuseCallsAfterEventErrorMs: options.refuseCallsAfterMasterRestartMs },
      markDisconnectedDelay: options.markDisconnectedDelay,
    },
  })
  xo.addApiMethods({ ...systemApiMethods(xo), ...sessionApiMethods(xo), ...pluginApiMethods(xo.plugins) })
  const defineProperty = (name: string, value: unknown, thisArg?: unknown) => xo.defineProperty(name, value, thisArg)
  const email = new EmailTransport()
  if (options.email ?? true) email.install(defineProperty)
  const transports = alertTransports()
  for (const name of options.transports ?? []) transports[name].install(defineProperty)
  await xo.rest.listen()
  const wsApi = new WsApi(xo, xo.rest.server)

  const pools = options.pools ?? []
  const serverIds = pools.map(spec => xo.xenServers.addXenServer(spec))
  const objectsTimeout = options.objectsTimeout ?? 10e3
  const connectPool = async (serverId: string) => {
    await xo.xenServers.connectXenServer(serverId)
    await waitForPoolObjects(xo, serverId, objectsTimeout)
  }

  const harness: Harness = {
    xo,
    admin: ADMIN,
    user: USER,
    dataDir,
    serverIds,
    email,
    transports,
    defineProperty,
    url: xo.rest.url,
    connectPool,
    disconnectPool: serverId => xo.xenServers.disconnectXenServer(serverId),

    async loadPlugin(dir = PLUGIN_PACKAGE_DIR, configuration, { name, staticConfig } = {}) {
      name ??= await pluginName(dir)
      if (configuration !== undefined) xo.plugins.metadata.set(name, { id: name, autoload: true, configuration })
      await registerPluginPackage(xo.plugins, xo, { pluginPath: dir, name, dataDir, staticConfig })
      return xo.plugins.getPlugin(name)
    },

    async call(method, params = {}, { user = ADMIN } = {}) {
      const connection = new Connection()
      if (user !== null) connection.set('user_id', user.id)
      return overTheWire(await xo.callApiMethod(connection, method, overTheWire(params)))
    },

    rest: (method, path, restOptions) => restRequest(xo, method, path, restOptions),

    getObjects: filter => Object.values(xo.getObjects({ filter })),

    waitForObject: (filter, timeout = objectsTimeout) =>
      waitUntil(() => Object.values(xo.getObjects({ filter }))[0], timeout, () => `no XO object matches ${describeFilter(filter)}`),

    async stop() {
      await xo.hooks.run('stop')
      await xo.xenServers.disconnectAll()
      wsApi.close()
      await xo.rest.close()
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true })
    },
  }

  try {
    await Promise.all(pools.map((spec, index) => (spec.autoConnect ?? true) && connectPool(serverIds[index])))
  } catch (error) {
    await harness.stop()
    throw error
  }
  return harness
}

/** What a JSON-RPC client receives: JSON only (no undefined, Map, Date object, class instance…). */
function overTheWire(value: unknown): any {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value))
}

/**
 * xo-server's plugin id: the package directory without its `xo-server-` prefix. A checkout not named
 * like an installed package (this repository's own) is named after its package.json `name` instead,
 * as if it were installed in node_modules.
 */
async function pluginName(dir: string): Promise<string> {
  const directory = basename(dir)
  if (directory.startsWith('xo-server-')) return directory.slice('xo-server-'.length)
  const { name } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))
  return String(name).replace(/^xo-server-/, '')
}

async function restRequest(
  xo: XoApp,
  method: string,
  path: string,
  { user = ADMIN, body, headers = {} }: { user?: XoUser | null; body?: unknown; headers?: Record<string, string> } = {}
): Promise<RestResponse> {
  const requestHeaders: Record<string, string> = { ...headers }
  if (user !== null) requestHeaders.cookie = `authenticationToken=${xo.users.credentialsOf(user.id).token}`
  if (body !== undefined) requestHeaders['content-type'] ??= 'application/json'
  const response = await fetch(xo.rest.url + path, {
    method: method.toUpperCase(),
    headers: requestHeaders,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await response.text()
  const isJson = response.headers.get('content-type')?.includes('application/json') && text !== ''
  return { status: response.status, headers: response.headers, body: isJson ? JSON.parse(text) : text }
}

/**
 * Waits until the XO objects of a freshly connected pool are there: the pool and one host per host
 * record. If they do not come, says which record xo-server could not turn into an object, and why.
 */
async function waitForPoolObjects(xo: XoApp, serverId: string, timeout: number): Promise<void> {
  const xapi = xo.getAllXapis()[serverId]
  await xapi.objectsFetched
  const expected = () => Object.values(xapi.objects.all).filter(record => record.$type === 'pool' || record.$type === 'host')
  const missing = () => expected().filter(record => !xo.hasObject(record.$ref))
  await waitUntil(
    () => (missing().length === 0 ? true : undefined),
    timeout,
    () => `pool of ${serverId}: no XO object for ${missing().map(record => `${record.$type} ${record.$id} (${transformError(record)})`).join(', ')}`
  )
}

function transformError(record: Parameters<typeof xapiObjectToXo>[0]): string {
  try {
    xapiObjectToXo(record, {})
    return 'not transformed yet'
  } catch (error) {
    return `xo-server's transform fails: ${(error as Error).message}`
  }
}

function describeFilter(filter: ObjectFilter): string {
  return typeof filter === 'function' ? filter.toString() : JSON.stringify(filter)
}

/** Polls `probe` every 20 ms until it returns something other than `undefined`; `explain` says what timed out. */
export async function waitUntil<T>(probe: () => T | undefined, timeout: number, explain: () => string): Promise<T> {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms: ${explain()}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}
