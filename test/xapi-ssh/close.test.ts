// The put-back sequence and the version checks, against a scripted XAPI caller: which calls are made,
// in which order, what happens when one fails, and how an XAPI without the SSH calls is told apart.
import assert from 'node:assert/strict'
import { closeSsh } from '../../src/services/xapi-ssh/close'
import { callBounded, readSshState, SshApiMissing, sshStateOf, tooOldForSsh, type SshState } from '../../src/services/xapi-ssh/state'
import { XapiError } from '../../src/xapi/json-rpc'
import type { XapiCaller } from '../../src/xapi/session'

const HARDENED: SshState = { enabled: false, enabledTimeout: 0, autoMode: true, consoleIdleTimeout: 0, expiry: '19700101T00:00:00Z' }

/** A host record the calls change as XAPI's do (only the fields these calls touch), and a log of the calls. */
function scriptedHost(record: Record<string, unknown>, failing: Record<string, Error> = {}): XapiCaller & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    async call<T>(method: string, ...args: unknown[]): Promise<T> {
      calls.push(args.length > 1 ? `${method}(${String(args[1])})` : method)
      if (failing[method] !== undefined) {
        throw failing[method]
      }
      switch (method) {
        case 'host.get_record':
          return { ...record } as T
        case 'host.disable_ssh':
          record.ssh_enabled = false
          break
        case 'host.set_ssh_enabled_timeout':
          record.ssh_enabled_timeout = args[1]
          break
        case 'host.set_ssh_auto_mode':
          record.ssh_auto_mode = args[1]
          break
      }
      return '' as T
    },
  }
}

const openedByPlugin = () => ({ ssh_enabled: true, ssh_enabled_timeout: 600, ssh_auto_mode: false, console_idle_timeout: 0, ssh_expiry: '20261204T04:00:00Z' })

describe('xapi-ssh: putting SSH back and telling versions apart', () => {
  it('disables SSH, sets the previous timeout and auto mode back, in that order, and checks it', async () => {
    const xapi = scriptedHost(openedByPlugin())
    const outcome = await closeSsh(xapi, 'OpaqueRef:h', HARDENED, 1000)
    assert.deepEqual(xapi.calls, ['host.disable_ssh', 'host.set_ssh_enabled_timeout(0)', 'host.set_ssh_auto_mode(true)', 'host.get_record'])
    assert.equal(outcome.restored, true)
    assert.deepEqual([outcome.after?.enabled, outcome.after?.enabledTimeout, outcome.after?.autoMode], [false, 0, true])
  })

  it('tries every step when one fails, and says what XAPI shows instead', async () => {
    const xapi = scriptedHost(openedByPlugin(), { 'host.set_ssh_auto_mode': new XapiError('INTERNAL_ERROR', ['systemctl failed']) })
    const outcome = await closeSsh(xapi, 'OpaqueRef:h', HARDENED, 1000)
    assert.equal(outcome.restored, false)
    assert.deepEqual(xapi.calls, ['host.disable_ssh', 'host.set_ssh_enabled_timeout(0)', 'host.set_ssh_auto_mode(true)', 'host.get_record'])
    assert.match(outcome.error!, /host\.set_ssh_auto_mode: INTERNAL_ERROR\(systemctl failed\)/)
    assert.match(outcome.error!, /XAPI shows disabled, no timeout, auto mode off instead of disabled, no timeout, auto mode on/)
  })

  it('does not touch auto mode on an XAPI without it (25.21 to 25.26)', async () => {
    const record = openedByPlugin() as Record<string, unknown>
    delete record.ssh_auto_mode
    const xapi = scriptedHost(record)
    const before = { enabled: false, enabledTimeout: 300 }
    const outcome = await closeSsh(xapi, 'OpaqueRef:h', before, 1000)
    assert.deepEqual(xapi.calls, ['host.disable_ssh', 'host.set_ssh_enabled_timeout(300)', 'host.get_record'])
    assert.equal(outcome.restored, true)
  })

  it('a call that does not answer in time fails that step, not the process', async () => {
    const xapi: XapiCaller = { call: () => new Promise(() => {}) }
    const outcome = await closeSsh(xapi, 'OpaqueRef:h', HARDENED, 50)
    assert.equal(outcome.restored, false)
    assert.match(outcome.error!, /host\.disable_ssh: XAPI's host\.disable_ssh timed out/)
  })

  it('an XAPI without the SSH calls (MESSAGE_METHOD_UNKNOWN) is told apart: SSH must be enabled by hand', async () => {
    const xapi = scriptedHost({}, { 'host.enable_ssh': new XapiError('MESSAGE_METHOD_UNKNOWN', ['host.enable_ssh']) })
    const error = await callBounded(xapi, 1000, 'host.enable_ssh', 'OpaqueRef:h').catch(e => e)
    assert.ok(error instanceof SshApiMissing)
    assert.match(error.message, /does not know host\.enable_ssh: SSH must be enabled by hand/)
  })

  it('reads no SSH state from a record without the fields (XCP-ng 8.2), and knows the versions', async () => {
    assert.equal(await readSshState(scriptedHost({ uuid: 'h' }), 'OpaqueRef:h', 1000), undefined)
    assert.deepEqual(sshStateOf({ ssh_enabled: true, ssh_enabled_timeout: '600', ssh_expiry: '20261204T04:00:00Z' }), {
      enabled: true,
      enabledTimeout: 600,
      expiry: '20261204T04:00:00Z',
      autoMode: undefined,
      consoleIdleTimeout: undefined,
    })
    assert.match(tooOldForSsh('1.249.41')!, /XAPI 1\.249\.41 cannot enable SSH.*SSH must be enabled by hand/)
    assert.match(tooOldForSsh('25.20.0')!, /25\.21\.0 or later/)
    assert.equal(tooOldForSsh('25.21.0'), undefined)
    assert.equal(tooOldForSsh('26.1.3'), undefined)
    assert.equal(tooOldForSsh(undefined), undefined, 'an unknown version is asked, not assumed')
  })
})
