// xo-server's API method registry and call pipeline (xo-mixins/api.mjs), in the order xo-server runs it:
// method lookup, API context (user, permission), xo:preCall, `_log` guard, `permission` check,
// namespace→id aliasing, XO JSON schema validation of the params (`?`-suffixed params are ignorable),
// `resolve` of ids into XO objects with the ACL check, then the method itself, called with `this` = xo
// and ONE params object inside an XO task `API call: <name>`; `undefined` becomes `true`, xo:postCall
// is emitted, and XAPI error codes are turned into XO errors.
import * as Obfuscate from '@vates/obfuscate'
import { AsyncLocalStorage } from 'node:async_hooks'
import type { EventEmitter } from 'node:events'
import type { ValidateFunction } from 'ajv'

import * as errors from './errors'
import type { XoTasks } from './tasks'
import { compileParamsSchema } from './xo-json-schema'

export type Permission = 'none' | 'read' | 'write' | 'admin'
export type AclPermission = 'view' | 'operate' | 'administrate'

export interface XoUser {
  id: string
  email: string
  permission: Permission
  /** JSON-RPC ACLs of a non-admin user: object id → permission on that object (checked by `resolve`). */
  acls?: Record<string, AclPermission>
  /** REST privileges of a non-admin user: `'<resource>:<action>'` or `'<resource>:<action>:<objectId>'`. */
  privileges?: string[]
}

/** An API connection (one WebSocket, or one in-process call): a small key-value state, `user_id` included. */
export class Connection {
  readonly #values = new Map<string, unknown>()

  get(key: string, defaultValue?: unknown): unknown {
    if (this.#values.has(key)) return this.#values.get(key)
    if (arguments.length < 2) throw new Error(`no value for ${key}`)
    return defaultValue
  }

  has(key: string): boolean {
    return this.#values.has(key)
  }

  set(key: string, value: unknown): void {
    this.#values.set(key, value)
  }

  unset(key: string): void {
    this.#values.delete(key)
  }
}

export interface ApiContext {
  user?: XoUser
  permission: Permission
  connection?: Connection
}

/** `{ paramKey: [paramName, xoType(s), aclPermission = 'administrate'] }` */
export type ResolveSpec = Record<string, [param: string, types: string | string[], permission?: AclPermission | false]>

export interface ApiMethodInfo {
  description?: string
  params?: Record<string, unknown>
  permission?: Permission | null
  resolve?: ResolveSpec
}

export type ApiFunction = ((this: any, params: any) => unknown) & ApiMethodInfo

export type RegisteredMethod = ((this: any, params: any) => unknown) &
  ApiMethodInfo & { validate?: ValidateFunction }

export type ApiNamespace = { [name: string]: ApiFunction | string | [ApiFunction, ApiMethodInfo?] | ApiNamespace }

/** What the pipeline needs from the rest of the app. */
export interface ApiHost extends Pick<EventEmitter, 'emit' | 'listeners'> {
  readonly tasks: XoTasks
  getObject(id: string, type?: string | string[]): { id: string; type: string }
  checkPermissions(permissions: Array<[objectId: string, permission: AclPermission]>): Promise<void>
  getUser(id: string): Promise<XoUser>
}

const ALLOWED_METHOD_PROPS = new Set(['description', 'params', 'permission', 'resolve'])
const PERMISSION_LEVELS: Record<Permission, number> = { none: 0, read: 1, write: 2, admin: 3 }
const ACL_LEVELS: Record<AclPermission, number> = { view: 0, operate: 1, administrate: 2 }

type ErrorMapper = (params: unknown[], getId: (ref: unknown) => unknown) => never
const XAPI_ERROR_TO_XO_ERROR: Record<string, ErrorMapper> = {
  EHOSTUNREACH: () => errors.serverUnreachable(),
  HOST_OFFLINE: ([host], getId) => errors.hostOffline({ host: getId(host) as string }),
  NO_HOSTS_AVAILABLE: () => errors.noHostsAvailable(),
  NOT_SUPPORTED_DURING_UPGRADE: () => errors.notSupportedDuringUpgrade(),
  OPERATION_BLOCKED: ([ref, code], getId) => errors.operationBlocked({ objectId: getId(ref) as string, code: code as string }),
  SESSION_AUTHENTICATION_FAILED: () => errors.authenticationFailed(),
}

/** JSON-RPC's "method not found", as json-rpc-peer reports it. */
export class MethodNotFound extends Error {
  readonly code = -32601
  constructor(readonly method: string) {
    super(`method not found: ${method}`)
  }

  toJsonRpcError(): { code: number; message: string; data: string } {
    return { code: this.code, message: this.message, data: this.method }
  }
}

export class Api {
  readonly #methods: Record<string, RegisteredMethod> = Object.create(null)
  readonly #context = new AsyncLocalStorage<ApiContext>()
  readonly #app: ApiHost

  constructor(app: ApiHost) {
    this.#app = app
  }

  get apiMethods(): Record<string, RegisteredMethod> {
    return this.#methods
  }

  get apiContext(): ApiContext | undefined {
    return this.#context.getStore()
  }

  runWithApiContext<T>(user: XoUser | undefined, fn: () => T): T {
    const context: ApiContext = user === undefined ? { permission: 'none' } : { user, permission: user.permission }
    return this.#context.run(context, fn)
  }

  addApiMethod(name: string, method: ApiFunction | string, info: ApiMethodInfo = {}): () => void {
    const methods = this.#methods
    if (name in methods) throw new Error(`API method ${name} already exists`)

    if (typeof method === 'string') {
      Object.defineProperty(methods, name, { configurable: true, enumerable: true, get: () => methods[method] })
    } else {
      methods[name] = wrapMethod(name, method, info)
    }

    let removed = false
    return () => {
      if (!removed) delete methods[name]
      removed = true
    }
  }

  addApiMethods(tree: ApiNamespace): () => void {
    const removers: Array<() => void> = []
    const removeAll = () => removers.splice(0).forEach(remove => remove())
    const add = (namespace: ApiNamespace, base: string) => {
      for (const [key, entry] of Object.entries(namespace)) {
        const name = base + key
        if (typeof entry === 'string') removers.push(this.addApiMethod(name, base + entry))
        else if (typeof entry === 'function') removers.push(this.addApiMethod(name, entry))
        else if (Array.isArray(entry)) removers.push(this.addApiMethod(name, ...entry))
        else add(entry, name + '.')
      }
    }
    try {
      add(tree, '')
    } catch (error) {
      removeAll()
      throw error
    }
    return removeAll
  }

  /** xo-server's `callApiMethod(connection, name, params)`: the caller is the connection's `user_id`. */
  async callApiMethod(connection: Connection, name: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const method = this.#methods[name]
    if (method === undefined) throw new MethodNotFound(name)
    const userId = connection.get('user_id', undefined) as string | undefined
    const user = userId === undefined ? undefined : await this.#app.getUser(userId)
    return this.runWithApiContext(user, () => {
      this.apiContext!.connection = connection
      return this.#call(name, method, params)
    })
  }

  async #call(name: string, method: RegisteredMethod, { _log, ...params }: Record<string, unknown>): Promise<unknown> {
    const app = this.#app
    const { user, permission } = this.apiContext!
    const data = {
      callId: Math.random().toString(36).slice(2),
      userId: user?.id,
      userName: user?.email ?? '(unknown user)',
      method: name,
      params: Obfuscate.replace(params, '* obfuscated *'),
      timestamp: Date.now(),
    }
    await emitAsync(app, 'xo:preCall', data)
    try {
      if (_log !== undefined && permission !== 'admin') errors.unauthorized('admin')
      this.#checkPermission(method)
      aliasNamespaceToId(name, method, params)
      checkParams(method, params)
      const resolved = await this.#resolveParams(method, params)
      const task = app.tasks.create(
        { name: 'API call: ' + name, method: name, params: data.params, type: 'api.call' },
        { clearLogOnSuccess: true }
      )
      const result = (await task.run(() => method.call(app, resolved))) ?? true
      app.emit('xo:postCall', { ...data, duration: Date.now() - data.timestamp, result, timestamp: Date.now() })
      return result
    } catch (error) {
      app.emit('xo:postCall', { ...data, duration: Date.now() - data.timestamp, error, timestamp: Date.now() })
      throw this.#toXoError(error)
    }
  }

  #checkPermission({ permission }: RegisteredMethod): void {
    if (permission === null) return
    const context = this.apiContext!
    if (context.user === undefined) errors.unauthorized(permission)
    if (permission === undefined) return
    if (PERMISSION_LEVELS[context.permission] < PERMISSION_LEVELS[permission]) errors.unauthorized(permission)
  }

  async #resolveParams({ resolve }: RegisteredMethod, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (resolve === undefined) return params
    if (this.apiContext!.user === undefined) errors.unauthorized()

    const resolved = { ...params }
    const checks: Array<[objectId: string, permission: AclPermission]> = []
    for (const [key, [param, types, permission = 'administrate']] of Object.entries(resolve)) {
      const id = resolved[param]
      if (id === undefined || id === null) continue
      const object = this.#app.getObject(id as string, types)
      delete resolved[param]
      resolved[key] = object
      if (permission) checks.push([object.id, permission])
    }
    await this.#app.checkPermissions(checks)
    return resolved
  }

  #toXoError(error: unknown): unknown {
    const code = (error as { code?: unknown } | undefined)?.code
    const mapper = typeof code === 'string' ? XAPI_ERROR_TO_XO_ERROR[code] : undefined
    if (mapper === undefined) return error
    const getId = (ref: unknown) => {
      try {
        return this.#app.getObject(ref as string).id
      } catch {
        return ref
      }
    }
    try {
      return mapper((error as { params?: unknown[] }).params ?? [], getId)
    } catch (xoError) {
      return xoError
    }
  }
}

function wrapMethod(name: string, method: ApiFunction, info: ApiMethodInfo): RegisteredMethod {
  for (const prop of Object.keys(method)) {
    if (!ALLOWED_METHOD_PROPS.has(prop)) throw new Error(`invalid prop ${prop} for API method ${name}`)
  }
  const {
    description = method.description,
    params = method.params,
    permission = method.permission,
    resolve = method.resolve,
  } = info
  const validate = params === undefined ? undefined : compileParamsSchema(params)
  return Object.assign(
    function apiWrapper(this: unknown, ...args: [unknown]) {
      return method.apply(this, args)
    },
    { description, params, permission, resolve, validate }
  )
}

// `vm.ejectCd vm=<id>` is accepted as `id=<id>` when the method declares `id` but not its namespace.
function aliasNamespaceToId(name: string, method: RegisteredMethod, params: Record<string, unknown>): void {
  if (params.id !== undefined) return
  const namespace = name.slice(0, name.indexOf('.'))
  const spec = method.params
  if (spec === undefined || !('id' in spec) || namespace in spec) return
  const id = params[namespace]
  if (typeof id === 'string') {
    delete params[namespace]
    params.id = id
  }
}

function checkParams({ validate }: RegisteredMethod, params: Record<string, unknown>): void {
  const ignorable = new Set<string>()
  for (const key of Object.keys(params)) {
    if (!key.endsWith('?')) continue
    const rawKey = key.slice(0, -1)
    if (Object.hasOwn(params, rawKey)) throw new Error(`conflicting keys: ${rawKey} and ${key}`)
    params[rawKey] = params[key]
    delete params[key]
    ignorable.add(rawKey)
  }
  if (validate === undefined || validate(params)) return

  const remaining = (validate.errors ?? []).filter(error => {
    const extra = error.schemaPath === '#/additionalProperties' && error.params.additionalProperty
    if (typeof extra === 'string' && ignorable.has(extra)) {
      delete params[extra]
      return false
    }
    return true
  })
  if (remaining.length !== 0) errors.invalidParameters(remaining)
}

/** xo-acl-resolver's check of direct grants: admins pass, others need at least `permission` on each object. */
export function assertAcls(user: XoUser | undefined, checks: Array<[objectId: string, permission: AclPermission]>): void {
  if (user?.permission === 'admin') return
  for (const [objectId, permission] of checks) {
    const granted = user?.acls?.[objectId]
    if (granted === undefined || ACL_LEVELS[granted] < ACL_LEVELS[permission]) errors.unauthorized(permission, objectId)
  }
}

// xo-server awaits xo:preCall listeners and only logs their failures.
async function emitAsync(app: ApiHost, event: string, data: unknown): Promise<void> {
  const calls = app.listeners(event).map(async listener => listener.call(app, data))
  await Promise.allSettled(calls)
}
