// The host's web server and its configuration files, checked with curl as an admin would:
// HSTS appears only after hsts_max_age is written and XAPI restarted; a bad value keeps XAPI
// down until the file is fixed.
import * as assert from 'node:assert/strict'
import * as fs from 'node:fs'
import * as path from 'node:path'

import type { SimHost, SimPool } from '../contract'
import { CONTROL_SOCKET_NAME } from './control-socket'
import { curl, LabFixture, XCPNG_82, XO_LITE_PAGE } from './fixtures'
import { startXapiSim, type XapiSim } from './index'

const HSTS = /^strict-transport-security: (.*)\r$/im

describe('lab XAPI simulator: web server and configuration files', function () {
  this.timeout(60_000)
  let fixture: LabFixture
  let pool: SimPool
  let host: SimHost
  let sim: XapiSim

  const restartOverSocket = async () =>
    JSON.parse(await curl('--unix-socket', path.join(host.runDir, CONTROL_SOCKET_NAME), '-X', 'POST', 'http://lab/restart'))
  const cookie = () => path.join(host.runDir, 'xapi_init_complete.cookie')
  const page = (...args: string[]) => curl('-k', '-i', ...args, `https://${host.address}/`)

  before(() => {
    fixture = new LabFixture()
  })
  after(() => fixture.cleanUp())

  beforeEach(async () => {
    pool = fixture.pool(232, 2)
    host = pool.hosts[1]!
    sim = await startXapiSim({ pools: [pool], timings: { stopMs: 400, initMs: 200 } })
  })
  afterEach(() => sim.close())

  it('serves the XO Lite page over HTTPS without HSTS by default, and 501 to HEAD', async () => {
    const response = await page()
    assert.match(response, /^HTTP\/1\.1 200 OK\r$/m)
    assert.ok(response.endsWith(XO_LITE_PAGE))
    assert.doesNotMatch(response, HSTS)
    assert.match(await curl('-k', '-I', `https://${host.address}/`), /^HTTP\/1\.1 501 /)
  })

  it('adds strict-transport-security after hsts_max_age is set and the toolstack restarted', async () => {
    fixture.etcFile(host, 'xapi.conf.d/hsts.conf', 'hsts_max_age = 31536000\n')
    assert.doesNotMatch(await page(), HSTS, 'the file is read at start only')

    assert.deepEqual(await restartOverSocket(), { state: 'up' })
    await sim.initialised(host.uuid)
    assert.ok(fs.existsSync(cookie()))

    assert.equal(HSTS.exec(await page())?.[1], 'max-age=31536000')
    const plain = await curl('-i', `http://${host.address}/`)
    assert.match(plain, /^HTTP\/1\.1 301 /)
    assert.ok(plain.includes(`\r\nlocation: https://${host.address}/\r\n`), plain)
    assert.doesNotMatch(plain, HSTS)
    assert.doesNotMatch(await curl('-k', '-i', '-d', '{}', `https://${host.address}/jsonrpc`), HSTS)
  })

  it('refuses plain HTTP with website-https-only = true and has no page with disable-webserver = true', async () => {
    fixture.etcFile(host, 'xapi.conf.d/web.conf', 'website-https-only = true\ndisable-webserver = true\n')
    await sim.restartHost(host.uuid)
    assert.match(await curl('-i', `http://${host.address}/`), /^HTTP\/1\.1 403 /)
    assert.match(await page(), /^HTTP\/1\.1 403 /)
  })

  it('stays down with hsts_max_age = 1y, and comes back once the drop-in is removed', async () => {
    fixture.etcFile(host, 'xapi.conf.d/hsts.conf', 'hsts_max_age = 1y\n')
    assert.deepEqual(await restartOverSocket(), { state: 'down', exitCode: 1, stderr: 'int_of_string\n' })
    assert.equal(sim.state(host.uuid), 'down')
    const state = await curl('--unix-socket', path.join(host.runDir, CONTROL_SOCKET_NAME), 'http://lab/state')
    assert.deepEqual(JSON.parse(state), { state: 'down', exitCode: 1, stderr: 'int_of_string\n' })
    assert.ok(!fs.existsSync(cookie()))
    await assert.rejects(page(), /Could not connect|Connection refused|Failed to connect/)

    fixture.removeEtcFile(host, 'xapi.conf.d/hsts.conf')
    assert.deepEqual(await restartOverSocket(), { state: 'up' })
    await sim.initialised(host.uuid)
    assert.equal(sim.state(host.uuid), 'up')
    assert.match(await page(), /^HTTP\/1\.1 200 OK\r$/m)
  })

  it('exits 2 on a subdirectory of xapi.conf.d or a bad bool', async () => {
    fs.mkdirSync(path.join(host.etcDir, 'xapi.conf.d', 'backup'))
    assert.deepEqual(await sim.restartHost(host.uuid), {
      state: 'down',
      exitCode: 2,
      stderr: 'Fatal error: exception Sys_error("Is a directory")\n',
    })
    fs.rmdirSync(path.join(host.etcDir, 'xapi.conf.d', 'backup'))
    fixture.etcFile(host, 'xapi.conf.d/web.conf', 'disable-webserver = yes\n')
    const outcome = await sim.restartHost(host.uuid)
    assert.equal(outcome.exitCode, 2)
    assert.equal(sim.status(host.uuid).stderr, 'Fatal error: exception Invalid_argument("bool_of_string")\n')
  })

  it('refuses a second restart while one runs', async () => {
    const first = sim.restartHost(host.uuid)
    await assert.rejects(sim.restartHost(host.uuid), /already running/)
    const socketAnswer = await curl('--unix-socket', path.join(host.runDir, CONTROL_SOCKET_NAME), '-X', 'POST', 'http://lab/restart')
    assert.match(socketAnswer, /already running/)
    assert.deepEqual(await first, { state: 'up' })
  })

  it('ignores hsts_max_age on XCP-ng 8.2 (xapi 1.249 has no such key)', async () => {
    sim.setSoftwareVersion(host.uuid, XCPNG_82)
    fixture.etcFile(host, 'xapi.conf.d/hsts.conf', 'hsts_max_age = 31536000\n')
    assert.deepEqual(await sim.restartHost(host.uuid), { state: 'up' })
    assert.doesNotMatch(await page(), HSTS)
  })

  it('answers JSON-RPC 1.0 in its own shape and an unreadable request with HTTP 500', async () => {
    const v1 = await curl('-k', '-d', '{"id":7,"method":"session.login_with_password","params":["root","wrong"]}', `https://${pool.hosts[0]!.address}/jsonrpc`)
    assert.deepEqual(JSON.parse(v1), { result: null, error: ['SESSION_AUTHENTICATION_FAILED', 'root', 'Authentication failure'], id: 7 })
    const notification = await curl('-k', '-i', '-d', '{"jsonrpc":"2.0","method":"system.listMethods"}', `https://${host.address}/jsonrpc`)
    assert.match(notification, /^HTTP\/1\.1 500 /)
    assert.match(notification, /Malformed_method_request/)
  })
})
