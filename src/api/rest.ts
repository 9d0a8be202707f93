// The REST twins of the API methods, under /rest/v0/plugins/xapi-config/ (registered with
// `xo.registerRestRoutes`): reads are GETs, changes are POST actions on pools, hosts and changes that run
// as XO tasks (202 + the task's Location, or the result with `?sync=true`). Each route calls the same
// method definition as JSON-RPC, with its params checked by the same XO JSON schema.
import type { MethodDefinition, MethodTable } from './define'
import { quoteShort } from '../conf'
import { invalidParameters, paramError } from '../xo/errors'
import { idParam } from './params'
import { validateParams } from './validate'
import { nestingTasks } from '../xo/step'

export const REST_BASE = '/plugins/xapi-config'

type Source = 'query' | 'body'

export interface RouteSpec {
  method: 'get' | 'post'
  endpoint: string
  api: string
  description: string
  /** Where the method's other params come from. */
  from: Source
  /** The path `{id}` as a param of the method. */
  id?: (id: string) => Record<string, unknown>
  /** Runs as an XO task (changes); reads answer at once. */
  action?: boolean
  /** Non-admins with this right on the object may call the route (as XO's own REST API allows). */
  acl?: { resource: 'host' | 'pool'; action: string }
}

export const ROUTES: RouteSpec[] = [
  { method: 'get', endpoint: '/keys', api: 'keys', from: 'query', description: 'The catalog of XAPI configuration keys' },
  { method: 'get', endpoint: '/audit', api: 'audit', from: 'query', description: 'Fleet audit: reachability, startup prediction, drift, compliance' },
  { method: 'get', endpoint: '/hsts', api: 'checkHsts', from: 'query', description: 'HSTS header and certificate trust of every host' },
  { method: 'get', endpoint: '/history', api: 'history', from: 'query', description: 'The journal of drop-in changes' },
  {
    method: 'get',
    endpoint: '/hosts/{id}',
    api: 'getHost',
    from: 'query',
    id: id => ({ host: id }),
    description: "A host's files, effective configuration and startup prediction",
  },
  {
    method: 'get',
    endpoint: '/pools/{id}/restart_preflight',
    api: 'preflightRestart',
    from: 'query',
    id: id => ({ pool: id }),
    description: 'What a toolstack restart of the pool would cut, what forbids it, and the order',
  },
  ...poolAndHostActions('plan', 'plan', 'What a change of drop-in would do on each host (writes nothing)', false),
  ...poolAndHostActions('apply', 'apply', 'Sets keys in a managed drop-in, all or nothing', true),
  ...poolAndHostActions('remove_file', 'removeFile', 'Removes a drop-in, all or nothing', true),
  ...poolAndHostActions('set_task_timeout', 'setTaskTimeout', 'Sets pending_task_timeout (and completed_task_timeout)', true),
  ...poolAndHostActions('set_hsts', 'setHsts', 'Sets or removes hsts_max_age', true),
  ...poolAndHostActions('restart_toolstack', 'restartToolstack', 'Safe rolling toolstack restart', true, 'restart-toolstack'),
  {
    method: 'post',
    endpoint: '/changes/{id}/actions/revert',
    api: 'revert',
    from: 'body',
    id: id => ({ changeId: id }),
    action: true,
    description: 'Puts back what every host held before a change',
  },
  {
    method: 'post',
    endpoint: '/actions/rollout',
    api: 'rollout',
    from: 'body',
    action: true,
    description: 'One change over many pools: canary, waves, stop rules, restart window (`preview: true` with `?sync=true`: the plan)',
  },
  {
    method: 'post',
    endpoint: '/rollouts/{id}/actions/resume',
    api: 'rollout',
    from: 'body',
    id: id => ({ resume: id }),
    action: true,
    description: 'Goes on with a stopped, partial, waiting or interrupted rollout',
  },
]

function poolAndHostActions(name: string, api: string, description: string, action: boolean, hostAclAction?: string): RouteSpec[] {
  return [
    { method: 'post', endpoint: `/pools/{id}/actions/${name}`, api, from: 'body', id: id => ({ pool: id }), action, description },
    {
      method: 'post',
      endpoint: `/hosts/{id}/actions/${name}`,
      api,
      from: 'body',
      id: id => ({ hosts: [id] }),
      action,
      description: `${description} (one host)`,
      acl: hostAclAction === undefined ? undefined : { resource: 'host', action: hostAclAction },
    },
  ]
}

interface RestRequest {
  params: Record<string, string>
  query: Record<string, unknown>
  body?: unknown
}

interface RestContext {
  req: RestRequest
  restApi: { getCurrentUser(): unknown }
  createAction<T>(callback: () => Promise<T>, options: { sync?: boolean; taskProperties: Record<string, unknown> }): Promise<T | undefined>
}

/** The route definitions for `xo.registerRestRoutes(routes, REST_BASE)`. */
export function buildRestRoutes(methods: MethodTable): unknown[] {
  return ROUTES.map(spec => toRoute(spec, methods[spec.api]))
}

function toRoute(spec: RouteSpec, definition: MethodDefinition) {
  const middlewares: unknown[] = spec.from === 'body' ? [{ name: 'json' }] : []
  if (spec.acl !== undefined) {
    middlewares.push({ name: 'acl', acls: { resource: spec.acl.resource, action: spec.acl.action, objectId: 'params.id' } })
  }
  return {
    method: spec.method,
    endpoint: spec.endpoint,
    description: `${spec.description}. Same as the JSON-RPC method xapiConfig.${spec.api}: ${definition.description}`,
    tags: ['xapi-config'],
    params: spec.id === undefined ? undefined : { id: idParam('The object of the route') },
    middlewares,
    responses: responsesOf(spec),
    async callback({ req, restApi, createAction }: RestContext) {
      const fromPath = spec.id?.(req.params.id) ?? {}
      const params = { ...withoutContradiction(paramsFrom(spec, req), fromPath), ...fromPath }
      validateParams(definition, params)
      const context = { user: restApi.getCurrentUser() as never }
      if (!spec.action) {
        return definition.handler(params, context)
      }
      // The XO tasks the method makes (a change, a restart, a rollout) become subtasks of the action's task,
      // which is the one the 202's Location points to.
      return createAction(() => nestingTasks(async () => definition.handler(params, context)), {
        sync: req.query.sync === true || req.query.sync === 'true',
        taskProperties: { name: `xapi-config: ${spec.api}`, objectId: req.params.id, params },
      })
    },
  }
}

/** A param given both in the path and in the request must say the same thing: otherwise 422, naming it. */
function withoutContradiction(fromRequest: Record<string, unknown>, fromPath: Record<string, unknown>): Record<string, unknown> {
  const contradicted = Object.keys(fromPath).filter(
    key => Object.hasOwn(fromRequest, key) && JSON.stringify(fromRequest[key]) !== JSON.stringify(fromPath[key])
  )
  if (contradicted.length !== 0) {
    invalidParameters(
      `${contradicted.join(', ')}: the request says otherwise than the route's path`,
      contradicted.map(key => paramError(key, `contradicts the path, which gives ${quoteShort(JSON.stringify(fromPath[key]))}`))
    )
  }
  return fromRequest
}

/** Query strings carry text: numbers, booleans and comma-separated lists are turned into what the method takes. */
function paramsFrom(spec: RouteSpec, req: RestRequest): Record<string, unknown> {
  if (spec.from === 'body') {
    return { ...(req.body as Record<string, unknown> | undefined) }
  }
  return Object.fromEntries(
    Object.entries(req.query)
      .filter(([key]) => !REST_ONLY_QUERY.has(key))
      .map(([key, value]) => [key, fromQuery(key, value)])
  )
}

/** Options of the REST layer itself, not of the method. */
const REST_ONLY_QUERY = new Set(['sync', 'ndjson'])
const LIST_PARAMS = new Set(['pools', 'hosts'])

function fromQuery(key: string, value: unknown): unknown {
  if (typeof value !== 'string') {
    return value
  }
  if (LIST_PARAMS.has(key)) {
    return value.split(',').filter(item => item !== '')
  }
  return /^\d+$/.test(value) ? Number(value) : value === 'true' ? true : value === 'false' ? false : value
}

function responsesOf(spec: RouteSpec) {
  const common = [
    { status: 403, description: 'Not allowed, or refused for safety (the body says why: tasks at risk, HA, untrusted certificate)' },
    { status: 404, description: 'No such pool, host, change or rollout' },
    { status: 409, description: 'Incorrect state: a host is unreachable, or another restart, change or rollout of the pool runs' },
    { status: 422, description: 'Invalid parameters (the body lists them)' },
  ]
  return spec.action
    ? [{ status: 202, description: 'Started as an XO task: follow the Location header (/rest/v0/tasks/<id>)' }, { status: 200, description: 'The result, with ?sync=true' }, ...common]
    : [{ status: 200, description: 'The result' }, ...common]
}
