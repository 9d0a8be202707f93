// The plugin's methods called the way xo-cli calls them: the real xo-lib client over the harness's
// WebSocket JSON-RPC endpoint (/api/), against a lab pool. Run `npm run build` first.
import assert from 'node:assert/strict'
import type { Harness } from '../harness'
import type { Lab } from '../lab'
import { startPluginLab, type PluginLab } from '../support/plugin-lab'

interface XoClient {
  open(): Promise<void>
  close(): Promise<void>
  signIn(credentials: Record<string, string>): Promise<void>
  call(method: string, params?: Record<string, unknown>): Promise<any>
}

// xo-lib 0.9 is an untyped CommonJS (Babel) module.
const Xo = (require('xo-lib') as { default: new (options: { url: string }) => XoClient }).default

describe('xo-lib over the WebSocket API (harness + lab)', function () {
  this.timeout(120_000)
  let fleet: PluginLab
  let lab: Lab
  let harness: Harness
  let admin: XoClient
  let user: XoClient

  before(async function () {
    fleet = await startPluginLab({ pools: 1, hostsPerPool: 2, secondOctet: 93 })
    ;({ lab, harness } = fleet)
    admin = new Xo({ url: harness.url })
    await admin.open()
    await admin.signIn({ email: 'admin@admin.net', password: 'admin' })
    user = new Xo({ url: harness.url })
    await user.open()
    await user.signIn({ email: 'user@example.net', password: 'user' })
  })

  after(async function () {
    await admin?.close()
    await user?.close()
    await fleet?.stop()
  })

  it('lists the methods with their params, as xo-cli list-commands does', async function () {
    const methods = await admin.call('system.getMethodsInfo')
    assert.equal(methods['xapiConfig.restartToolstack'].permission, 'admin')
    assert.ok('bypassTaskCheck' in methods['xapiConfig.restartToolstack'].params)
  })

  it('audits the pool and plans a change', async function () {
    const audit = await admin.call('xapiConfig.audit')
    assert.equal(audit.summary.hosts, 2)
    assert.equal(audit.summary.unreachable, 0)
    const plan = await admin.call('xapiConfig.plan', { pool: lab.pools[0].uuid, settings: { hsts_max_age: 600 } })
    assert.equal(plan.hosts.length, 2)
    assert.ok(plan.hosts.every((row: any) => row.ok && row.changed))
  })

  it('returns XO errors to the client: invalid parameters, and a non-admin refused', async function () {
    await assert.rejects(admin.call('xapiConfig.plan', { pool: lab.pools[0].uuid, settings: { hsts_max_age: '1y' } }), (error: any) => {
      assert.equal(error.code, 10)
      return true
    })
    await assert.rejects(user.call('xapiConfig.audit'), (error: any) => {
      assert.equal(error.code, 2)
      return true
    })
  })
})
