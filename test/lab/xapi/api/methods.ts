// The XenAPI methods a host's XAPI answers. On a pool member every call that carries a
// session, and every login, fails with HOST_IS_SLAVE [master address], as on a real member.
import type { XapiRecord } from '../db/database'
import { NULL_REF, taskRecord } from '../db/records'
import { vmRecord } from '../db/vm-record'
import type { SimulatedPool } from '../pool'
import { XapiError, hostIsSlave, methodUnknown, parameterCountMismatch } from './errors'
import { eventFrom, eventInject } from './events'
import { refOf, str, withSession, type CallContext, type Method } from './method'
import { sshMethod, sshMethodNames } from './ssh-methods'

export type { CallContext } from './method'

const TASK_STATUSES = new Set(['pending', 'success', 'failure', 'cancelling', 'cancelled'])
const WITH_OTHER_CONFIG = new Set(['pool', 'host', 'task'])
const WITH_NAMES = new Set(['pool', 'host'])

function setTaskField(field: string, check?: (value: unknown) => void): Method {
  return withSession(3, (context, [, ref, value]) => {
    check?.(value)
    context.pool.db.update('task', refOf(context, 'task', ref).ref, { [field]: value })
    return ''
  })
}

const METHODS: Record<string, Method> = {
  // XAPI matches this name before looking at the parameters: any count is accepted.
  'system.listMethods': { arity: [0, Infinity], session: false, run: listMethods },
  'session.login_with_password': {
    arity: [2, 4],
    session: false,
    run: ({ pool, agent }, [username, password]) => {
      if (!pool.isMaster(agent)) throw hostIsSlave(pool.masterAddress)
      return pool.login(str(username), str(password))
    },
  },
  'session.logout': withSession(1, ({ pool }, [session]) => {
    pool.logout(str(session))
    return ''
  }),
  'event.from': withSession(4, ({ pool, signal }, [, classes, token, timeout]) =>
    eventFrom(pool.db, (classes as unknown[]).map(str), str(token), Number(timeout), signal)
  ),
  'event.inject': withSession(3, ({ pool }, [, cls, ref]) => eventInject(pool.db, str(cls), str(ref))),
  'host.restart_agent': withSession(2, (context, [, ref]) => {
    const target = context.pool.agentByRef(refOf(context, 'host', ref).ref)
    // The master forwards the call to the host: its XAPI must be listening.
    if (!target.running) throw new XapiError('CANNOT_CONTACT_HOST', [str(ref)])
    target.scheduleRestart()
    return ''
  }),
  'task.create': withSession(3, ({ pool, agent }, [, label, description]) =>
    pool.tasks.createClientTask(str(label), str(description), pool.hostRef(agent.host.uuid))
  ),
  'task.destroy': withSession(2, (context, [, ref]) => {
    context.pool.tasks.destroyWhenComplete(refOf(context, 'task', ref).ref)
    return ''
  }),
  'task.cancel': withSession(2, (context, [, ref]) => {
    context.pool.tasks.cancel(refOf(context, 'task', ref).ref)
    return ''
  }),
  'task.set_progress': setTaskField('progress', value => {
    if (typeof value !== 'number') throw new XapiError('FIELD_TYPE_ERROR', ['progress'])
  }),
  'task.set_status': setTaskField('status', value => {
    if (!TASK_STATUSES.has(str(value))) throw new XapiError('FIELD_TYPE_ERROR', ['status'])
  }),
  'task.set_result': setTaskField('result'),
  'task.set_error_info': setTaskField('error_info'),
}

// <class>.get_all_records, get_all, get_record, get_by_uuid and get_<field> for every class;
// other_config map operations and name setters where XAPI has them.
function classMethod(pool: SimulatedPool, cls: string, action: string): Method | undefined {
  const fields = fieldsOf(pool, cls)
  if (action === 'get_all_records') return withSession(1, () => Object.fromEntries(pool.db.records(cls)))
  if (action === 'get_all') return withSession(1, () => [...pool.db.records(cls).keys()])
  if (action === 'get_record') return withSession(2, (context, [, ref]) => refOf(context, cls, ref).record)
  if (action === 'get_by_uuid') return withSession(2, (_, [, uuid]) => refByUuid(pool, cls, str(uuid)))
  const getter = /^get_(.+)$/.exec(action)
  if (getter !== null && fields.includes(getter[1]!)) {
    const field = getter[1]!
    return withSession(2, (context, [, ref]) => {
      const { record } = refOf(context, cls, ref)
      // A host whose XAPI predates the field (the SSH fields on XCP-ng 8.2) has no getter for it.
      if (!(field in record)) throw methodUnknown(`${cls}.${action}`)
      return record[field]
    })
  }
  const mapMethod = WITH_OTHER_CONFIG.has(cls) ? otherConfigMethod(cls, action) : undefined
  if (mapMethod !== undefined) return mapMethod
  const setter = /^set_(name_label|name_description)$/.exec(action)
  if (setter !== null && WITH_NAMES.has(cls)) {
    return withSession(3, (context, [, ref, value]) => {
      context.pool.db.update(cls, refOf(context, cls, ref).ref, { [setter[1]!]: str(value) })
      return ''
    })
  }
  return undefined
}

function otherConfigMethod(cls: string, action: string): Method | undefined {
  const current = (context: CallContext, ref: unknown) => {
    const target = refOf(context, cls, ref)
    return { ref: target.ref, map: target.record.other_config as Record<string, string> }
  }
  switch (action) {
    case 'add_to_other_config':
      return withSession(4, (context, [, ref, key, value]) => {
        const { ref: target, map } = current(context, ref)
        if (str(key) in map) throw new XapiError('MAP_DUPLICATE_KEY', [cls, 'other_config', target, str(key)])
        context.pool.db.update(cls, target, { other_config: { ...map, [str(key)]: str(value) } })
        return ''
      })
    case 'remove_from_other_config':
      return withSession(3, (context, [, ref, key]) => {
        const { ref: target, map } = current(context, ref)
        const { [str(key)]: _removed, ...rest } = map
        context.pool.db.update(cls, target, { other_config: rest })
        return ''
      })
    case 'set_other_config':
      return withSession(3, (context, [, ref, value]) => {
        context.pool.db.update(cls, current(context, ref).ref, { other_config: { ...(value as object) } })
        return ''
      })
    default:
      return undefined
  }
}

function refByUuid(pool: SimulatedPool, cls: string, uuid: string): string {
  for (const [ref, record] of pool.db.records(cls)) if (record.uuid === uuid) return ref
  throw new XapiError('UUID_INVALID', [cls, uuid])
}

// Tables that may be empty still have their getters (get_status of a gone task is HANDLE_INVALID).
const EMPTY_RECORDS: Record<string, () => XapiRecord> = {
  task: () => taskRecord({ uuid: '', name_label: '', name_description: '', residentOn: NULL_REF, createdMs: 0, progress: 0 }),
  VM: () => vmRecord('', '', NULL_REF),
}

function fieldsOf(pool: SimulatedPool, cls: string): string[] {
  const first = pool.db.records(cls).values().next()
  if (!first.done) return Object.keys(first.value)
  const template = EMPTY_RECORDS[cls]
  return template === undefined ? [] : Object.keys(template())
}

const GENERIC_ACTIONS = ['get_all_records', 'get_all', 'get_record', 'get_by_uuid']
const OTHER_CONFIG_ACTIONS = ['add_to_other_config', 'remove_from_other_config', 'set_other_config']

function listMethods({ pool, agent }: CallContext): string[] {
  const generic = pool.db.classes().flatMap(cls => [
    ...GENERIC_ACTIONS.map(action => `${cls}.${action}`),
    ...fieldsOf(pool, cls).map(field => `${cls}.get_${field}`),
    ...(WITH_OTHER_CONFIG.has(cls) ? OTHER_CONFIG_ACTIONS.map(action => `${cls}.${action}`) : []),
    ...(WITH_NAMES.has(cls) ? [`${cls}.set_name_label`, `${cls}.set_name_description`] : []),
  ])
  return [...Object.keys(METHODS), ...sshMethodNames(agent.host.softwareVersion), ...generic]
}

// `Class_method` is accepted for `Class.method` (e.g. task_create).
function wireName(pool: SimulatedPool, name: string): string {
  if (name.includes('.')) return name
  const prefixes = [...pool.db.classes(), 'session', 'event', 'system'].sort((a, b) => b.length - a.length)
  const prefix = prefixes.find(candidate => name.startsWith(`${candidate}_`))
  return prefix === undefined ? name : `${prefix}.${name.slice(prefix.length + 1)}`
}

function resolve({ pool, agent }: CallContext, name: string): Method | undefined {
  const canonical = wireName(pool, name)
  const explicit = METHODS[canonical] ?? sshMethod(canonical, agent.host.softwareVersion)
  if (explicit !== undefined) return explicit
  const dot = canonical.indexOf('.')
  const cls = canonical.slice(0, dot)
  return dot > 0 && pool.db.classes().includes(cls) ? classMethod(pool, cls, canonical.slice(dot + 1)) : undefined
}

export async function dispatch(context: CallContext, name: string, params: unknown[]): Promise<unknown> {
  const method = resolve(context, name)
  if (method === undefined) throw methodUnknown(name)
  const [min, max] = typeof method.arity === 'number' ? [method.arity, method.arity] : method.arity
  if (params.length < min || params.length > max) throw parameterCountMismatch(name, max, params.length)
  if (method.session) {
    if (!context.pool.isMaster(context.agent)) throw hostIsSlave(context.pool.masterAddress)
    context.pool.assertSession(params[0])
  }
  return method.run(context, params)
}
