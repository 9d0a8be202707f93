// The part of xo-server's app object (`xo`) that this plugin uses. xo-server ships no complete type
// (reference: xo-plugin-conventions.md §3), so the plugin declares what it relies on.

export interface XoUser {
  id: string
  email?: string
  name?: string
  permission: 'none' | 'read' | 'write' | 'admin'
}

export interface XoHost {
  id: string
  uuid: string
  type: 'host'
  name_label: string
  address: string
  enabled: boolean
  $pool: string
  $poolId?: string
  _xapiRef: string
}

export interface XoPool {
  id: string
  uuid: string
  type: 'pool'
  name_label: string
  master: string
  $pool: string
  _xapiRef: string
}

export interface XoTaskObject {
  id: string
  type: 'task'
  name_label: string
  status: string
  progress: number
  created: number
  $host?: string
  $pool: string
  _xapiRef: string
}

export interface XoVm {
  id: string
  type: 'VM' | 'VM-controller'
  name_label: string
  current_operations: Record<string, string>
  $pool: string
}

export type XoObject = XoHost | XoPool | XoTaskObject | XoVm | { id: string; type: string; $pool?: string }

/** A record of the real `xen-api` client (frozen, with `$ref`, `$call`…). */
export interface XapiRecord {
  $ref: string
  $id: string
  [field: string]: any
}

/** The `xen-api` client connected to one pool. */
export interface Xapi {
  status: 'connected' | 'connecting' | 'disconnected'
  pool: XapiRecord
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>
  getObjectByRef(ref: string, defaultValue?: unknown): XapiRecord
  getField<T = unknown>(type: string, ref: string, field: string): Promise<T>
  objects: { all: Record<string, XapiRecord> }
}

export interface XoServerRecord {
  id: string
  host: string
  label?: string
  status: 'connected' | 'connecting' | 'disconnected'
  poolId?: string
  error?: unknown
}

export interface XoJob {
  id: string
  type?: string
  name?: string
  runId?: string
  key?: string
  mode?: string
  vms?: Record<string, unknown>
  pools?: Record<string, unknown>
  /** Target SRs of a replication (disaster recovery, continuous replication). */
  srs?: Record<string, unknown>
  remotes?: Record<string, unknown>
}

export interface XoTaskHandle {
  id: string
  run<T>(fn: () => Promise<T>): Promise<T>
  set(property: string, value: unknown): void
  info(message: string, data?: unknown): void
  warning(message: string, data?: unknown): void
}

export interface XoTaskLog {
  id: string
  status: 'pending' | 'success' | 'failure' | 'interrupted'
  properties: { name?: string; type?: string; objectId?: string; [key: string]: unknown }
  start: number
  /** Its subtasks, as xo-server's task log nests them. */
  tasks?: XoTaskLog[]
}

export interface ApiMethodInfo {
  description: string
  params: Record<string, unknown>
  permission: 'admin'
}

export type ApiMethod = (this: XoApp, params: any) => Promise<unknown>
export type ApiNamespace = { [name: string]: [ApiMethod, ApiMethodInfo] | ApiNamespace }

export interface XoApp {
  apiContext?: { user?: XoUser }
  getObject<T extends XoObject = XoObject>(id: string, type?: string | string[]): T
  getObjects<T extends XoObject = XoObject>(options?: { filter?: ((object: XoObject) => boolean) | Record<string, unknown> }): Record<string, T>
  getXapi(objectOrId: string | XoObject): Xapi
  getXapiObject(objectOrId: string | XoObject, type?: string): XapiRecord
  getAllXenServers?(): Promise<XoServerRecord[]>
  getXenServerIdByObject?(objectOrId: string | XoObject, type?: string | string[]): string
  /** The server record with its password (xo-server's XenServers mixin); never exposed by the plugin. */
  getXenServerWithCredentials?(serverId: string): Promise<XoServerRecord & { username: string; password: string; allowUnauthorized?: boolean }>
  addApiMethods(methods: ApiNamespace): () => void
  registerRestRoutes?(routes: unknown[], base?: string): () => void
  getAllJobs(type?: string): Promise<XoJob[]>
  runningJobs?: Record<string, string>
  tasks: {
    create(properties: { name: string; objectId?: string; type?: string; [key: string]: unknown }): XoTaskHandle
    list?(options?: { filter?: (task: XoTaskLog) => boolean }): AsyncIterable<XoTaskLog>
  }
  /** xo-server's life-cycle hooks: it never calls unload() at shutdown, `stop` is where to clean up. */
  hooks?: { on(event: 'stop', listener: () => Promise<void>): void; removeListener(event: 'stop', listener: () => Promise<void>): void }
  sendEmail?(message: { to: string[]; subject: string; markdown: string }): Promise<void>
}

export interface PluginOptions {
  xo: XoApp
  getDataDir(): Promise<string>
  staticConfig: Record<string, unknown>
}
