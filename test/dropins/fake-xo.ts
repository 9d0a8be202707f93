// A minimal XoApp for unit tests of the drop-in service: one pool of hosts, XO tasks that just run,
// e-mails recorded.
import type { XoApp, XoTaskHandle } from '../../src/xo/types'

export interface FakeHostSpec {
  id: string
  xapiBuild?: string
}

type EmailMessage = { to: string[]; subject: string; markdown: string }

export interface FakeXo extends XoApp {
  tasksRun: Array<{ name: string; type?: string; progress: unknown[] }>
  emails: EmailMessage[]
}

export function fakeXo(hosts: FakeHostSpec[], { poolId = 'pool-1', email = true } = {}): FakeXo {
  const pool = { id: poolId, uuid: poolId, type: 'pool', name_label: 'Pool 1', master: hosts[0].id, $pool: poolId, _xapiRef: 'OpaqueRef:pool' }
  const hostObjects = hosts.map((spec, index) => ({
    id: spec.id,
    uuid: spec.id,
    type: 'host',
    name_label: `host ${spec.id}`,
    address: `127.0.1.${index + 1}`,
    enabled: true,
    $pool: poolId,
    _xapiRef: `OpaqueRef:${spec.id}`,
    xapiBuild: spec.xapiBuild ?? '26.1.3',
  }))
  const objects: Record<string, any> = Object.fromEntries([pool, ...hostObjects].map(object => [object.id, object]))
  const xo: FakeXo = {
    tasksRun: [],
    emails: [] as EmailMessage[],
    getObject(id: string) {
      const object = objects[id]
      if (object === undefined) {
        throw Object.assign(new Error(`no such object ${id}`), { code: 1 })
      }
      return object
    },
    getObjects({ filter }: any = {}) {
      const matches = (object: any) => Object.entries(filter ?? {}).every(([key, value]) => object[key] === value)
      return Object.fromEntries(Object.entries(objects).filter(([, object]) => matches(object)))
    },
    getXapi() {
      throw new Error('not faked')
    },
    getXapiObject(object: any) {
      return object.type === 'pool'
        ? { $ref: object._xapiRef, $id: object.id, ha_enabled: false }
        : { $ref: object._xapiRef, $id: object.id, software_version: { xapi_build: object.xapiBuild, product_version: '8.3.0' } }
    },
    addApiMethods: () => () => {},
    getAllJobs: async () => [],
    tasks: {
      create({ name, type }) {
        const record = { name, type, progress: [] as unknown[] }
        xo.tasksRun.push(record)
        const handle: XoTaskHandle = {
          id: String(xo.tasksRun.length),
          run: fn => fn(),
          set: (property, value) => property === 'progress' && record.progress.push(value),
          info: () => {},
          warning: () => {},
        }
        return handle
      },
    },
  }
  if (email) {
    xo.sendEmail = async message => {
      xo.emails.push(message)
    }
  }
  return xo
}
