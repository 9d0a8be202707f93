// The `xo` object a plugin receives: an EventEmitter with xo-server's mixin methods flattened onto it,
// as `@xen-orchestra/mixin` does, limited to what plugins use (reference: xo-plugin-conventions.md §3):
// objects, XAPI connections, API methods and context, tasks, jobs and the backup guard, REST routes,
// stores, `defineProperty`, plugins, users, hooks and config. Test controls live on the harness, not
// here, so the plugin sees nothing xo-server would not give it.
import { EventEmitter } from 'node:events'

import { Api, assertAcls, type AclPermission, type Connection, type ApiFunction, type ApiMethodInfo, type ApiNamespace, type XoUser } from './api'
import { Jobs } from './jobs'
import type { XoObject } from './objects'
import { Plugins } from './plugins'
import { RestServer, type RouteDefinition } from './rest'
import { Stores } from './store'
import { XoTasks } from './tasks'
import { Users } from './users'
import { XenServers, type XenServersOptions } from './xen-servers'
import { XoObjects, type ObjectFilter } from './xo-objects'

/** xo-server's Hooks mixin: plugins mostly use `xo.hooks.on('stop', …)` for shutdown cleanup. */
export class Hooks extends EventEmitter {
  async run(name: string): Promise<void> {
    for (const listener of this.listeners(name)) await listener()
  }
}

/** xo-server's Config mixin over a plain object (`a.b.c` paths or arrays of keys). */
export class Config {
  constructor(private readonly values: Record<string, unknown> = {}) {}

  getOptional(path: string | string[]): unknown {
    const keys = Array.isArray(path) ? path : path.split('.')
    return keys.reduce<any>((value, key) => value?.[key], this.values)
  }

  get(path: string | string[]): unknown {
    const value = this.getOptional(path)
    if (value === undefined) throw new Error(`missing config entry: ${[path].flat().join('.')}`)
    return value
  }
}

export interface XoAppOptions {
  dataDir: string
  config?: Record<string, unknown>
  xenServers?: XenServersOptions
}

export class XoApp extends EventEmitter {
  readonly objects = new XoObjects()
  readonly hooks = new Hooks()
  readonly config: Config
  readonly users = new Users()
  readonly tasks: XoTasks
  readonly plugins = new Plugins()
  readonly xenServers: XenServers
  readonly jobs: Jobs
  readonly rest: RestServer
  readonly #api: Api
  readonly #stores: Stores

  constructor({ dataDir, config, xenServers }: XoAppOptions) {
    super()
    this.config = new Config({ datadir: dataDir, ...config })
    this.tasks = new XoTasks(() => this.apiContext?.user?.id)
    this.#api = new Api(this)
    this.#stores = new Stores(`${dataDir}/store`)
    this.xenServers = new XenServers(this.objects, (event, payload) => this.emit(event, payload), xenServers)
    this.jobs = new Jobs(id => this.objects.get(id)?.$poolId, (event, ...args) => this.emit(event, ...args))
    this.rest = new RestServer(this)
  }

  // Objects (xo.mjs)

  getObject<T extends XoObject = XoObject>(key: string, type?: string | string[]): T {
    return this.objects.getObject(key, type) as T
  }

  hasObject(key: string, type?: string | string[]): boolean {
    try {
      this.getObject(key, type)
      return true
    } catch {
      return false
    }
  }

  getObjects<T extends XoObject = XoObject>(options?: { filter?: ObjectFilter; limit?: number }): Record<string, T> {
    return this.objects.getObjects(options) as Record<string, T>
  }

  getObjectsByType<T extends XoObject = XoObject>(type: string, options?: { filter?: ObjectFilter; limit?: number }) {
    return this.objects.getObjectsByType(type, options) as Record<string, T> | undefined
  }

  /** Exposes a value on xo (plugins such as transport-email use it); returns the remover. */
  defineProperty(name: string, value: unknown, thisArg: unknown = null): () => void {
    if (name in this) throw new Error(`Xo#${name} is already defined`)
    const exposed =
      typeof value === 'function'
        ? function (this: unknown, ...args: unknown[]) {
            return value.apply(thisArg, args)
          }
        : value
    Object.defineProperty(this, name, { configurable: true, value: exposed })
    let removed = false
    return () => {
      if (!removed) delete (this as Record<string, unknown>)[name]
      removed = true
    }
  }

  defineProperties(values: Record<string, unknown>, thisArg?: unknown): () => void {
    const removers: Array<() => void> = []
    const removeAll = () => removers.forEach(remove => remove())
    try {
      for (const [name, value] of Object.entries(values)) removers.push(this.defineProperty(name, value, thisArg))
    } catch (error) {
      removeAll()
      throw error
    }
    return removeAll
  }

  // XAPI connections (xo-mixins/xen-servers.mjs)

  getXapi(object: XoObject | string, type?: string | string[]) {
    return this.xenServers.getXapi(object, type)
  }

  getXapiObject(objectOrId: XoObject | string, type?: string | string[]) {
    return this.xenServers.getXapiObject(objectOrId, type)
  }

  getAllXapis() {
    return this.xenServers.getAllXapis()
  }

  getAllXenServers() {
    return this.xenServers.getAllXenServers()
  }

  getXenServerIdByObject(object: XoObject | string, type?: string | string[]) {
    return this.xenServers.getXenServerIdByObject(object, type)
  }

  getXenServerWithCredentials(id: string) {
    return this.xenServers.getXenServerWithCredentials(id)
  }

  // API (xo-mixins/api.mjs)

  get apiMethods() {
    return this.#api.apiMethods
  }

  get apiContext() {
    return this.#api.apiContext
  }

  addApiMethod(name: string, method: ApiFunction | string, info?: ApiMethodInfo) {
    return this.#api.addApiMethod(name, method, info)
  }

  addApiMethods(methods: ApiNamespace) {
    return this.#api.addApiMethods(methods)
  }

  runWithApiContext<T>(user: XoUser | undefined, fn: () => T): T {
    return this.#api.runWithApiContext(user, fn)
  }

  callApiMethod(connection: Connection, name: string, params?: Record<string, unknown>) {
    return this.#api.callApiMethod(connection, name, params)
  }

  /** Admins bypass ACLs; other users need the permission on each object (`acls` of the harness user). */
  async checkPermissions(permissions: Array<[objectId: string, permission: AclPermission]>): Promise<void> {
    assertAcls(this.apiContext?.user, permissions)
  }

  // Jobs (xo-mixins/jobs/index.mjs)

  get runningJobs() {
    return this.jobs.runningJobs
  }

  getAllJobs(type?: string) {
    return this.jobs.getAllJobs(type)
  }

  getJob(id: string, type?: string) {
    return this.jobs.getJob(id, type)
  }

  backupGuard(poolId: string) {
    return this.jobs.backupGuard(poolId)
  }

  // REST (xo-mixins/rest-api.mjs)

  registerRestRoutes(routes: RouteDefinition[], base?: string) {
    return this.rest.registerRestRoutes(routes, base)
  }

  // Store (xo-mixins/store.mjs)

  getStore(namespace: string) {
    return this.#stores.getStore(namespace)
  }

  // Plugins (xo-mixins/plugins.mjs)

  getPlugin(id: string) {
    return this.plugins.getPlugin(id)
  }

  async getOptionalPlugin(id: string) {
    return this.plugins.getPlugin(id).catch(() => undefined)
  }

  loadPlugin(id: string) {
    return this.plugins.loadPlugin(id)
  }

  unloadPlugin(id: string) {
    return this.plugins.unloadPlugin(id)
  }

  // Users and authorization

  async getUser(id: string) {
    return this.users.getUser(id)
  }

  /** `{ token }` or `{ email | username, password }` → `{ user }`; throws `invalidCredentials`. */
  async authenticateUser(credentials: Record<string, unknown>): Promise<{ user: XoUser }> {
    return { user: this.users.authenticate(credentials) }
  }

  /** Everything is open for XO from the sources, which is what the harness stands for. */
  async checkFeatureAuthorization(_featureCode: string): Promise<void> {}
}
