// XO's REST API as plugins reach it: `xo.registerRestRoutes(routes, base)` mounts each route under
// `/rest/v0` on a real HTTP server (express, as xo-server), the way @xen-orchestra/rest-api's external
// router does: `{param}` → `:param`, the route's middlewares (`json`, `urlencoded`, `text`, `raw`, `acl`),
// authentication (token cookie or HTTP Basic; admins pass, other users only on routes with an `acl`
// middleware or `scope: 'acl'`), query coercion, zod validation of params/query/body (failures are
// `invalidParameters`, HTTP 422), `createAction` (202 + Location of the task, or the result with `sync`),
// the result as JSON (204 when undefined; iterables as a JSON array, or NDJSON with `?ndjson`), and XO
// errors mapped to HTTP statuses. `GET /rest/v0/tasks/<id>` serves XO task logs (`?wait=true` waits
// for the end; `wait` is a boolean, another value is refused).
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { posix } from 'node:path'
import get from 'lodash/get'
import { z, ZodError } from 'zod'

import type { XoUser } from './api'
import * as errors from './errors'
import type { Task } from './task'
import type { TaskLog, XoTasks } from './tasks'
import type { Users } from './users'

export type FieldDefinition =
  | { type: 'string'; example?: string; optional?: boolean }
  | { type: 'boolean'; example?: boolean; optional?: boolean }
  | { type: 'number'; example?: number; optional?: boolean }
  | { type: 'enum'; enum: string[]; example?: string; optional?: boolean }
  | { type: 'object'; fields: Record<string, FieldDefinition>; optional?: boolean }
  | { type: 'array'; items: FieldDefinition; example?: unknown[]; optional?: boolean }

export interface AclEntry {
  resource: string
  action?: string
  objectId?: string | ((opts: { req: Request }) => string)
}

export type MiddlewareDescriptor =
  | { name: 'json' | 'urlencoded' | 'text' | 'raw'; options?: Record<string, unknown> }
  | { name: 'acl'; acls: AclEntry | AclEntry[] }

export type CreateAction = <Result>(
  callback: (task: Task) => Result | Promise<Result>,
  options: { sync?: boolean; statusCode?: number; taskProperties: { name: string; [key: string]: unknown } }
) => Promise<Result | undefined>

export interface RestApi {
  xoApp: unknown
  tasks: XoTasks
  getCurrentUser(): XoUser
  getObject(id: string, type?: string | string[]): unknown
  getXapiObject(idOrObject: unknown, type?: string | string[]): unknown
}

export interface RouteDefinition {
  method: 'get' | 'post' | 'put' | 'delete' | 'patch'
  endpoint: string
  description?: string
  tags?: string[]
  params?: Record<string, FieldDefinition>
  query?: Record<string, FieldDefinition>
  body?: Record<string, FieldDefinition>
  responses?: Array<{ status: number; description: string; schema?: Record<string, FieldDefinition> }>
  middlewares?: MiddlewareDescriptor[]
  scope?: 'acl'
  security?: '*' | 'token' | 'basic' | 'none'
  callback(context: { req: Request; res: Response; next: NextFunction; restApi: RestApi; createAction: CreateAction }): unknown
}

/** What the REST layer needs from the app. */
export interface RestHost {
  readonly tasks: XoTasks
  readonly users: Users
  getObject(id: string, type?: string | string[]): unknown
  getXapiObject(idOrObject: unknown, type?: string | string[]): unknown
  readonly apiContext: { user?: XoUser } | undefined
  runWithApiContext<T>(user: XoUser | undefined, fn: () => T): T
}

export const BASE_URL = '/rest/v0'

/** An error with its own HTTP status, like rest-api's ApiError. */
class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message)
  }
}

interface Caller {
  user?: XoUser
  authType?: 'token' | 'basic'
}

export class RestServer {
  readonly #app = express()
  readonly #router = express.Router()
  readonly #host: RestHost
  #server: Server | undefined

  constructor(host: RestHost) {
    this.#host = host
    this.#app.use(BASE_URL, (req, res, next) => this.#authenticate(req, res, next))
    this.#app.get(`${BASE_URL}/tasks/:id`, (req, res, next) => this.#sendTask(req, res).catch(next))
    this.#app.use(BASE_URL, this.#router)
    this.#app.use(BASE_URL, sendError)
  }

  /** The HTTP server once listening (the WebSocket API shares it, as in xo-server). */
  get server(): Server {
    if (this.#server === undefined) throw new Error('the REST server is not listening')
    return this.#server
  }

  /** `http://127.0.0.1:<port>` once listening. */
  get url(): string {
    const address = this.#server?.address() as AddressInfo | null | undefined
    if (!address) throw new Error('the REST server is not listening')
    return `http://127.0.0.1:${address.port}`
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server = this.#app.listen(0, '127.0.0.1', resolve).once('error', reject)
    })
  }

  async close(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    if (server === undefined) return
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  }

  /** `xo.registerRestRoutes(routes, base = '/')`: returns the function that unregisters them. */
  registerRestRoutes(routes: RouteDefinition[], base = '/'): () => void {
    const unregisters = routes.map(route => this.#mount({ ...route, endpoint: posix.join(base, route.endpoint) }))
    return () => unregisters.forEach(unregister => unregister())
  }

  #mount(route: RouteDefinition): () => void {
    const path = route.endpoint.replace(/{(\w+)}/g, ':$1')
    const descriptors = route.middlewares ?? []
    const hasAcl = route.scope === 'acl' || descriptors.some(descriptor => descriptor.name === 'acl')
    const validators = {
      params: route.params && objectSchema(route.params),
      query: route.query && objectSchema(route.query),
      body: route.body && objectSchema(route.body),
    }
    const handler: RequestHandler = (req, res, next) => {
      this.#handle(route, hasAcl, validators, { req, res, next }).catch(error =>
        next(error instanceof ZodError ? captureThrown(() => errors.invalidParameters(undefined, error.issues)) : error)
      )
    }
    const middlewares = descriptors.map(descriptor => this.#middleware(descriptor))
    this.#router[route.method](path, ...middlewares, handler)

    return () => {
      const index = this.#router.stack.findIndex(
        layer => layer.route?.path === path && (layer.route as unknown as { methods: Record<string, boolean> }).methods[route.method]
      )
      if (index !== -1) this.#router.stack.splice(index, 1)
    }
  }

  async #handle(
    route: RouteDefinition,
    hasAcl: boolean,
    validators: Record<'params' | 'query' | 'body', z.ZodType | undefined>,
    { req, res, next }: { req: Request; res: Response; next: NextFunction }
  ): Promise<void> {
    const caller = res.locals as Caller
    checkSecurity(route, caller, hasAcl)
    coerceQuery(req.query as Record<string, unknown>, route.query)
    validators.params?.parse(req.params)
    validators.query?.parse(req.query)
    validators.body?.parse(req.body)

    const restApi = this.#restApi()
    const createAction = this.#createActionFor(res)
    const result = await this.#host.runWithApiContext(caller.user, () =>
      route.callback({ req, res, next, restApi, createAction })
    )
    if (!res.headersSent) await sendResult(result, req, res)
  }

  #createActionFor(res: Response): CreateAction {
    const tasks = this.#host.tasks
    return async (callback, { sync = false, statusCode = 200, taskProperties }) => {
      taskProperties.name = 'REST API: ' + taskProperties.name
      taskProperties.type = 'xo:rest-api:action'
      const task = tasks.create(taskProperties)
      const pResult = task.run(() => callback(task))
      if (sync) {
        const result = await pResult
        res.status(statusCode)
        return result
      }
      pResult.catch(() => {})
      res.status(202).set('Location', `${BASE_URL}/tasks/${task.id}`).json({ taskId: task.id })
      return undefined
    }
  }

  #restApi(): RestApi {
    const host = this.#host
    return {
      xoApp: host,
      tasks: host.tasks,
      getCurrentUser: () => host.apiContext?.user ?? errors.invalidCredentials(),
      getObject: (id, type) => host.getObject(id, type),
      getXapiObject: (idOrObject, type) => host.getXapiObject(idOrObject, type),
    }
  }

  #middleware(descriptor: MiddlewareDescriptor): RequestHandler {
    switch (descriptor.name) {
      case 'json':
        return express.json(descriptor.options)
      case 'urlencoded':
        return express.urlencoded(descriptor.options)
      case 'text':
        return express.text(descriptor.options)
      case 'raw':
        return express.raw(descriptor.options)
      case 'acl':
        return aclMiddleware(descriptor.acls)
    }
  }

  #authenticate(req: Request, res: Response, next: NextFunction): void {
    const cookies = parseCookies(req.headers.cookie)
    const token = cookies.authenticationToken ?? cookies.token
    const { authorization } = req.headers
    if (token && authorization) {
      return next(new ApiError('Having multiple authentication methods is not supported, please choose one', 400))
    }
    const caller = res.locals as Caller
    try {
      if (token) {
        caller.user = this.#host.users.authenticate({ token })
        caller.authType = 'token'
      } else if (authorization) {
        const [, encoded] = authorization.split(' ')
        if (encoded === undefined) return next(new ApiError('Malformed Authorization header', 400))
        const [username, password] = Buffer.from(encoded, 'base64').toString().split(':')
        caller.user = this.#host.users.authenticate({ username, password })
        caller.authType = 'basic'
      }
    } catch (error) {
      return next(error)
    }
    next()
  }

  async #sendTask(req: Request, res: Response): Promise<void> {
    checkSecurity({ security: '*' }, res.locals as Caller, false)
    const { id } = req.params
    res.json(queryBoolean(req.query, 'wait') ? await waitForEnd(this.#host.tasks, id) : await this.#host.tasks.get(id))
  }
}

/** A boolean query param as XO's REST API (tsoa) reads one: `true` or `false`; another value is refused as its validation does. */
function queryBoolean(query: Request['query'], name: string): boolean {
  const value = query[name]
  if (value === undefined || value === 'false') return false
  if (value === 'true') return true
  return errors.invalidParameters({ [name]: { message: 'invalid boolean value', value } } as never)
}

function checkSecurity(route: Pick<RouteDefinition, 'security'>, { user, authType }: Caller, hasAcl: boolean): void {
  const security = route.security ?? '*'
  if (security === 'none') return
  if (user === undefined) return errors.invalidCredentials()
  if (security !== '*' && authType !== security) {
    throw new ApiError(`invalid authentification. please use ${security} authentication`, 401)
  }
  if (user.permission !== 'admin' && !hasAcl) errors.unauthorized()
}

/**
 * The `acl` middleware: admins pass; another user needs, for each entry, a privilege on its resource and
 * action, for the entry's object or for all objects. Harness users list them in `privileges`, as
 * `'<resource>:<action>'` or `'<resource>:<action>:<objectId>'`.
 */
function aclMiddleware(acls: AclEntry | AclEntry[]): RequestHandler {
  const entries = Array.isArray(acls) ? acls : [acls]
  return function _aclMiddleware(req, res, next) {
    const { user } = res.locals as Caller
    if (user === undefined || user.permission === 'admin') return next()
    const privileges = new Set(user.privileges)
    for (const { resource, action = '*', objectId } of entries) {
      const id: string | undefined = typeof objectId === 'function' ? objectId({ req }) : objectId && get(req, objectId)
      const granted = privileges.has(`${resource}:${action}`) || privileges.has(`${resource}:${action}:${id}`)
      if (!granted) return next(captureThrown(() => errors.unauthorized(undefined, id, resource)))
    }
    next()
  }
}

function fieldSchema(field: FieldDefinition): z.ZodType {
  let schema: z.ZodType
  switch (field.type) {
    case 'string':
      schema = z.string()
      break
    case 'boolean':
      schema = z.boolean()
      break
    case 'number':
      schema = z.number()
      break
    case 'enum':
      schema = z.enum(field.enum as [string, ...string[]])
      break
    case 'object':
      schema = objectSchema(field.fields)
      break
    case 'array':
      schema = z.array(fieldSchema(field.items))
      break
    default:
      throw new Error(`Unsupported type: ${(field as { type: unknown }).type}`)
  }
  return field.optional ? schema.optional() : schema
}

function objectSchema(fields: Record<string, FieldDefinition>): z.ZodObject {
  return z.object(Object.fromEntries(Object.entries(fields).map(([key, field]) => [key, fieldSchema(field)])))
}

// Query strings are strings: booleans and numbers are converted as declared (NaN is then refused).
function coerceQuery(query: Record<string, unknown>, fields: Record<string, FieldDefinition> | undefined): void {
  for (const [key, field] of Object.entries(fields ?? {})) {
    const value = query[key]
    if (typeof value !== 'string') continue
    if (field.type === 'boolean' && /^(true|false)$/i.test(value)) query[key] = value.toLowerCase() === 'true'
    else if (field.type === 'number') query[key] = value.trim() === '' ? NaN : Number(value)
  }
}

async function sendResult(result: unknown, req: Request, res: Response): Promise<void> {
  if (result === undefined) {
    res.status(204).end()
    return
  }
  if (!isIterable(result)) {
    res.json(result)
    return
  }
  const items: unknown[] = []
  for await (const item of result) items.push(item)
  if (Object.hasOwn(req.query, 'ndjson')) {
    res.type('application/x-ndjson').send(items.map(item => JSON.stringify(item) + '\n').join(''))
  } else {
    res.json(items)
  }
}

function isIterable(value: unknown): value is Iterable<unknown> | AsyncIterable<unknown> {
  if (value == null || typeof value === 'string' || Buffer.isBuffer(value)) return false
  const candidate = value as Record<symbol, unknown>
  return typeof (candidate[Symbol.iterator] ?? candidate[Symbol.asyncIterator]) === 'function'
}

// By XO error code, as rest-api's error handler maps them through xo-common's `.is()` (which compares
// codes): serviceUnavailable (28) is missing from the xo-common 0.9.0 of this registry, its code is not.
const STATUS_BY_XO_ERROR_CODE: Record<number, number> = {
  0: 501, // notImplemented
  1: 404, // noSuchObject
  2: 403, // unauthorized
  3: 401, // invalidCredentials
  5: 403, // forbiddenOperation
  10: 422, // invalidParameters
  16: 409, // objectAlreadyExists
  25: 409, // incorrectState
  26: 403, // featureUnauthorized
  28: 503, // serviceUnavailable
}

// Express recognises an error handler by its four parameters.
function sendError(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  if (!(error instanceof Error)) {
    res.status(500).json({ error })
    return
  }
  const body: { error: string; data?: unknown; info?: string } = {
    error: error.message,
    data: 'data' in error ? error.data : undefined,
  }
  const { code } = error as { code?: unknown }
  let status = error instanceof ApiError ? error.status : typeof code === 'number' ? STATUS_BY_XO_ERROR_CODE[code] : undefined
  if (status === undefined) {
    status = 500
    if (error.name === 'XapiError') body.info = 'This is a XenServer/XCP-ng error, not an XO error'
  }
  if (status === 401 && !(error instanceof ApiError)) res.setHeader('WWW-Authenticate', 'Basic realm="xo"')
  if (!res.headersSent) res.status(status).json(body)
}

/** The error an xo-common factory throws, as a value. */
function captureThrown(fn: () => never): unknown {
  try {
    return fn()
  } catch (error) {
    return error
  }
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {}
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=')
    if (index > 0) cookies[part.slice(0, index).trim()] = decodeURIComponent(part.slice(index + 1).trim())
  }
  return cookies
}

async function waitForEnd(tasks: XoTasks, id: string): Promise<TaskLog> {
  const log = await tasks.get(id)
  if (log.status !== 'pending') return log
  return new Promise(resolve => {
    const onUpdate = (update: TaskLog) => {
      if (update.status === 'pending') return
      tasks.off(id, onUpdate)
      resolve(update)
    }
    tasks.on(id, onUpdate)
  })
}
