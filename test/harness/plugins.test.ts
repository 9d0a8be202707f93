import assert from 'node:assert/strict'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'

import { createHarness, type Harness } from './index'
import { recordedCalls, recordingPluginSource, writeFakePlugin } from './fake-plugin'

const SCHEMA = JSON.stringify({
  type: 'object',
  properties: {
    user: { type: 'string', title: 'SSH user', default: 'root' },
    password: { type: 'string', title: 'SSH password' },
    pools: { type: 'array', items: { type: 'string', $type: 'pool' } },
    notes: { type: 'string', $multiline: true },
    mode: { enum: ['a', 'b'], enumNames: ['Mode A', 'Mode B'] },
  },
})

describe('harness: loading a plugin as xo-server does', () => {
  let harness: Harness
  beforeEach(async () => {
    harness = await createHarness()
  })
  afterEach(() => harness.stop())

  it('names the plugin after its directory, calls the factory with xo, staticConfig and getDataDir', async () => {
    const { dir } = await writeFakePlugin(recordingPluginSource())
    const info = await harness.loadPlugin(dir, undefined, { staticConfig: { flag: true } })

    assert.equal(info.id, 'fake')
    assert.equal(info.version, '1.2.3')
    assert.equal(info.description, 'a fake plugin')
    const [name, options] = recordedCalls()[0]
    assert.equal(name, 'factory')
    assert.equal(options.xo, harness.xo)
    assert.deepEqual(options.staticConfig, { flag: true })
    const dataDir = await options.getDataDir()
    assert.equal(dataDir, join(harness.dataDir, 'fake'))
    assert.ok((await stat(dataDir)).isDirectory())
  })

  it('loads at once a plugin without schema, and never calls configure', async () => {
    const { dir } = await writeFakePlugin(recordingPluginSource())
    const info = await harness.loadPlugin(dir)
    assert.equal(info.loaded, true)
    assert.deepEqual(recordedCalls().map(([name]) => name), ['factory', 'load'])
  })

  it('configures with {} plus defaults (XO vocabulary accepted) before loading', async () => {
    const { dir } = await writeFakePlugin(recordingPluginSource({ schema: SCHEMA }))
    const info = await harness.loadPlugin(dir)
    assert.equal(info.loaded, true)
    assert.deepEqual(recordedCalls().slice(1), [['configure', { user: 'root' }, { loaded: undefined }], ['load']])
    assert.equal(info.configuration, undefined, 'nothing stored: the defaults are not persisted')
  })

  it('leaves the plugin unconfigured and unloaded when {} does not validate', async () => {
    const schema = JSON.stringify({ type: 'object', properties: { host: { type: 'string' } }, required: ['host'] })
    const { dir } = await writeFakePlugin(recordingPluginSource({ schema }))
    const info = await harness.loadPlugin(dir)
    assert.equal(info.loaded, undefined)
    assert.deepEqual(recordedCalls().map(([name]) => name), ['factory'])
    await assert.rejects(harness.call('plugin.load', { id: 'fake' }), { code: 10, message: 'plugin not configured' })
  })

  it('refuses to register with a stored configuration that does not validate', async () => {
    const { dir } = await writeFakePlugin(recordingPluginSource({ schema: SCHEMA }))
    await assert.rejects(harness.loadPlugin(dir, { user: 42 }), { code: 10 })
  })

  it('evaluates schemas given as functions with the factory options', async () => {
    const source = `
exports.default = () => ({ configure() {}, load() {} })
exports.configurationSchema = ({ xo, staticConfig }) => ({
  type: 'object',
  properties: { method: { enum: Object.keys(xo.apiMethods).filter(name => name.startsWith('plugin.')) } },
  description: staticConfig.text,
})
`
    const { dir } = await writeFakePlugin(source)
    const info = await harness.loadPlugin(dir, undefined, { staticConfig: { text: 'from TOML' } })
    const schema = info.configurationSchema as { description: string; properties: { method: { enum: string[] } } }
    assert.equal(schema.description, 'from TOML')
    assert.ok(schema.properties.method.enum.includes('plugin.configure'))
  })

  it('reads the schema from the default export of a native ES module, as xo-server does', async () => {
    const source = `
const factory = () => ({ configure(conf) { globalThis.esmConf = conf }, load() {} })
factory.configurationSchema = { type: 'object', properties: { port: { type: 'integer', default: 22 } } }
export const configurationSchema = { type: 'object', required: ['ignored'] }
export default factory
`
    const { dir } = await writeFakePlugin(source, { esm: true })
    const info = await harness.loadPlugin(dir)
    assert.equal(info.loaded, true)
    assert.deepEqual((globalThis as unknown as { esmConf: unknown }).esmConf, { port: 22 })
  })

  it('reconfigures a loaded plugin through plugin.configure and obfuscates secrets in plugin.get', async () => {
    const { dir } = await writeFakePlugin(recordingPluginSource({ schema: SCHEMA }))
    await harness.loadPlugin(dir)
    await harness.call('plugin.configure', { id: 'fake', configuration: { user: 'admin', password: 's3cret' } })
    assert.deepEqual(recordedCalls().at(-1), ['configure', { user: 'admin', password: 's3cret' }, { loaded: true }])

    const [plugin] = await harness.call('plugin.get')
    assert.deepEqual(plugin.configuration, { user: 'admin', password: 'obfuscated-q3oi6d9X8uenGvdLnHk2' })

    // Sending back the placeholder keeps the stored secret.
    await harness.call('plugin.configure', { id: 'fake', configuration: plugin.configuration })
    assert.deepEqual(recordedCalls().at(-1), ['configure', { user: 'admin', password: 's3cret' }, { loaded: true }])
  })

  it('rejects an invalid configuration with invalidParameters and Ajv errors', async () => {
    const { dir } = await writeFakePlugin(recordingPluginSource({ schema: SCHEMA }))
    await harness.loadPlugin(dir)
    await assert.rejects(harness.call('plugin.configure', { id: 'fake', configuration: { mode: 'c' } }), (error: any) => {
      assert.equal(error.code, 10)
      assert.equal(error.data.errors[0].instancePath, '/mode')
      return true
    })
  })

  it('validates test data against testSchema, and refuses to test an unloaded plugin', async () => {
    const testSchema = JSON.stringify({ type: 'object', properties: { host: { type: 'string' } }, required: ['host'] })
    const { dir } = await writeFakePlugin(recordingPluginSource({ testSchema }))
    await harness.loadPlugin(dir)

    await assert.rejects(harness.call('plugin.test', { id: 'fake' }), { code: 10 })
    await assert.rejects(harness.call('plugin.test', { id: 'fake', data: {} }), { code: 10 })
    await harness.call('plugin.test', { id: 'fake', data: { host: 'h1' } })
    assert.deepEqual(recordedCalls().at(-1), ['test', { host: 'h1' }])

    await harness.call('plugin.unload', { id: 'fake' })
    assert.deepEqual(recordedCalls().at(-1), ['unload'])
    await assert.rejects(harness.call('plugin.test', { id: 'fake', data: { host: 'h1' } }), {
      code: 10,
      message: 'plugin not loaded',
    })
  })

  it('keeps plugin methods admin-only', async () => {
    const { dir } = await writeFakePlugin(recordingPluginSource())
    await harness.loadPlugin(dir)
    await assert.rejects(harness.call('plugin.get', {}, { user: harness.user }), { code: 2 })
  })
})
