// The REST routes over real HTTP, through the harness's REST server (xo-server's rules: token cookie,
// admin-only unless an ACL middleware, 202 + task Location for actions, XO errors as HTTP statuses),
// against a lab pool. Run `npm run build` first.
import assert from 'node:assert/strict'
import type { Harness } from '../harness'
import type { Lab } from '../lab'
import { startPluginLab, type PluginLab } from '../support/plugin-lab'

const BASE = '/rest/v0/plugins/xapi-config'

describe('REST routes (harness + lab)', function () {
  this.timeout(120_000)
  let fleet: PluginLab
  let lab: Lab
  let harness: Harness

  before(async function () {
    fleet = await startPluginLab({ pools: 1, hostsPerPool: 2, secondOctet: 92 })
    ;({ lab, harness } = fleet)
  })

  after(async function () {
    await fleet?.stop()
  })

  it('serves the catalog and a host as GETs', async function () {
    const keys = await harness.rest('GET', `${BASE}/keys?class=managed`)
    assert.equal(keys.status, 200)
    assert.ok(keys.body.some((entry: any) => entry.key === 'pending_task_timeout'))

    const host = await harness.rest('GET', `${BASE}/hosts/${lab.hosts[1].uuid}`)
    assert.equal(host.status, 200)
    assert.equal(host.body.host.id, lab.hosts[1].uuid)
    assert.equal(host.body.outcome, 'starts')
  })

  it('audits with a list in the query string', async function () {
    const audit = await harness.rest('GET', `${BASE}/audit?pools=${lab.pools[0].uuid}`)
    assert.equal(audit.status, 200)
    assert.equal(audit.body.pools.length, 1)
    assert.equal(audit.body.summary.hosts, 2)
  })

  it('plans synchronously and applies as an XO task', async function () {
    const pool = lab.pools[0].uuid
    const plan = await harness.rest('POST', `${BASE}/pools/${pool}/actions/plan?sync=true`, {
      body: { settings: { pending_task_timeout: 172800 } },
    })
    assert.equal(plan.status, 200, JSON.stringify(plan.body))

    const apply = await harness.rest('POST', `${BASE}/pools/${pool}/actions/apply`, {
      body: { settings: { pending_task_timeout: 172800 } },
    })
    assert.equal(apply.status, 202, JSON.stringify(apply.body))
    const location = apply.headers.get('location')
    assert.match(location ?? '', /^\/rest\/v0\/tasks\//)
    const refused = await harness.rest('GET', `${location}?wait=result`)
    assert.equal(refused.status, 422, JSON.stringify(refused.body))
    const task = await harness.rest('GET', `${location}?wait=true`)
    assert.equal(task.body.status, 'success', JSON.stringify(task.body))
    assert.ok(task.body.result.changeId, JSON.stringify(task.body.result))

    const view = await harness.rest('GET', `${BASE}/hosts/${lab.hosts[1].uuid}`)
    assert.equal(view.body.effective.pending_task_timeout.value, '172800.')
  })

  it('maps XO errors to HTTP statuses', async function () {
    const pool = lab.pools[0].uuid
    const unknownKey = await harness.rest('POST', `${BASE}/pools/${pool}/actions/plan?sync=true`, {
      body: { settings: { 'pending-task-timeout': 172800 } },
    })
    assert.equal(unknownKey.status, 422)
    const extra = await harness.rest('GET', `${BASE}/audit?colour=blue`)
    assert.equal(extra.status, 422)
    const missing = await harness.rest('GET', `${BASE}/hosts/no-such-host`)
    assert.equal(missing.status, 404)
  })

  it('refuses a non-admin on admin routes and without the right ACL', async function () {
    const audit = await harness.rest('GET', `${BASE}/audit`, { user: harness.user })
    assert.ok([401, 403].includes(audit.status), String(audit.status))
    const restart = await harness.rest('POST', `${BASE}/hosts/${lab.hosts[1].uuid}/actions/restart_toolstack`, {
      user: harness.user,
      body: {},
    })
    assert.equal(restart.status, 403)
  })

  it('rolls a change out as an XO task, previews it synchronously, and resumes by the rollout\'s path', async function () {
    const pool = lab.pools[0].uuid
    const change = { setTaskTimeout: { pendingSeconds: 259200 } }
    const preview = await harness.rest('POST', `${BASE}/actions/rollout?sync=true`, { body: { change, pools: [pool], preview: true } })
    assert.equal(preview.status, 200, JSON.stringify(preview.body))
    assert.equal(preview.body.canary, pool)
    assert.equal(preview.body.pools[0].would, 'write and restart')

    const started = await harness.rest('POST', `${BASE}/actions/rollout`, { body: { change, pools: [pool], restart: 'no' } })
    assert.equal(started.status, 202, JSON.stringify(started.body))
    const task = await harness.rest('GET', `${started.headers.get('location')}?wait=true`)
    assert.equal(task.body.status, 'success', JSON.stringify(task.body))
    assert.equal(task.body.result.status, 'done')
    assert.deepEqual(task.body.result.summary.changed, [pool])
    const [rolloutTask] = task.body.tasks ?? []
    assert.equal(rolloutTask?.properties.type, 'xo:xapi-config:rollout', 'the rollout is a subtask of the action\'s task, where Location points')
    assert.deepEqual(rolloutTask.tasks.map((step: any) => step.properties.objectId), [pool])
    const view = await harness.rest('GET', `${BASE}/hosts/${lab.hosts[1].uuid}`)
    assert.equal(view.body.effective.pending_task_timeout.value, '259200.')

    const done = await harness.rest('POST', `${BASE}/rollouts/${task.body.result.rolloutId}/actions/resume?sync=true`, { body: {} })
    assert.equal(done.status, 409, JSON.stringify(done.body))
    const unknown = await harness.rest('POST', `${BASE}/rollouts/no-such-rollout/actions/resume?sync=true`, { body: {} })
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body))
    const bad = await harness.rest('POST', `${BASE}/actions/rollout?sync=true`, { body: { change, restart: 'window' } })
    assert.equal(bad.status, 422, JSON.stringify(bad.body))
    const nonAdmin = await harness.rest('POST', `${BASE}/actions/rollout?sync=true`, { user: harness.user, body: { change, preview: true } })
    assert.ok([401, 403].includes(nonAdmin.status), String(nonAdmin.status))
  })
})
