// The built plugin (dist/, `npm run build`) loaded through the harness exactly as xo-server loads it.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import { createHarness, PLUGIN_PACKAGE_DIR, type Harness } from './index'
import { compileParamsSchema } from './xo-json-schema'

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

  it('has xo-server require exactly the params not marked optional, at every depth (shared param objects included)', async () => {
    await harness.loadPlugin()
    for (const name of pluginMethods(harness)) {
      const { params } = harness.xo.apiMethods[name]
      const declared = JSON.parse(JSON.stringify(params))
      const converted = compileParamsSchema(params ?? {}).schema as Record<string, any>
      assertRequiredAsDeclared(name, { type: 'object', properties: declared }, converted)
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

/** Walks a declared XO schema and its conversion side by side: each object requires its properties without `optional`. */
function assertRequiredAsDeclared(path: string, declared: Record<string, any>, converted: Record<string, any>): void {
  if (declared.properties !== undefined) {
    const keys = Object.keys(declared.properties).filter(key => key !== '*')
    const expected = keys.filter(key => declared.properties[key].optional !== true)
    assert.deepEqual([...(converted.required ?? [])].sort(), expected.sort(), `${path}: required properties`)
    for (const key of keys) {
      assertRequiredAsDeclared(`${path}.${key}`, declared.properties[key], converted.properties[key])
    }
  }
  if (declared.items !== undefined && !Array.isArray(declared.items)) {
    assertRequiredAsDeclared(`${path}[]`, declared.items, converted.items)
  }
}
