// The built plugin (dist/, `npm run build`) loaded through the harness exactly as xo-server loads it.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import { createHarness, PLUGIN_PACKAGE_DIR, type Harness } from './index'

const pluginMethods = (harness: Harness) => Object.keys(harness.xo.apiMethods).filter(name => name.startsWith('xapiConfig.'))

describe('harness: the built plugin package', () => {
  let harness: Harness
  before(function () {
    if (!existsSync(join(PLUGIN_PACKAGE_DIR, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build`')
  })
  beforeEach(async () => {
    harness = await createHarness()
  })
  afterEach(() => harness.stop())

  it('registers as "xapi-config", configures with {} and loads at once', async () => {
    const info = await harness.loadPlugin()
    assert.equal(info.id, 'xapi-config')
    assert.equal(info.loaded, true)
    assert.equal(info.unloadable, true)
    assert.equal(typeof info.configurationSchema, 'object')
    assert.ok(pluginMethods(harness).length > 0)
  })

  it('gives every API method a description, a params schema and the admin permission', async () => {
    await harness.loadPlugin()
    for (const name of pluginMethods(harness)) {
      const { description, params, permission } = harness.xo.apiMethods[name]
      assert.ok(description, `${name} has a description`)
      assert.equal(typeof params, 'object', `${name} has params`)
      assert.equal(permission, 'admin', `${name} is admin-only`)
    }
  })

  it('removes its methods on unload and registers them again on load', async () => {
    await harness.loadPlugin()
    const methods = pluginMethods(harness)
    await harness.call('plugin.unload', { id: 'xapi-config' })
    assert.deepEqual(pluginMethods(harness), [])
    await harness.call('plugin.load', { id: 'xapi-config' })
    assert.deepEqual(pluginMethods(harness), methods)
    await harness.call('plugin.unload', { id: 'xapi-config' })
  })
})
