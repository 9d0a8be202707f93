// The settings form: xo-web shows a boolean absent from the stored configuration as off, whatever its
// schema default, so every boolean must default to false for the form to show what the plugin does.
import assert from 'node:assert/strict'
import Ajv from 'ajv'
import { configurationSchema } from '../../src/settings/schema'
import { parseSettings } from '../../src/settings/settings'

type Schema = Record<string, any>

/** Every boolean of a schema, by its dotted path, through properties, patternProperties and items. */
function booleansOf(schema: Schema, path: string): Array<[string, Schema]> {
  const found: Array<[string, Schema]> = [schema.type].flat().includes('boolean') ? [[path, schema]] : []
  const children: Array<[string, Schema]> = [
    ...Object.entries<Schema>(schema.properties ?? {}).map(([key, child]): [string, Schema] => [`${path}.${key}`, child]),
    ...Object.entries<Schema>(schema.patternProperties ?? {}).map(([key, child]): [string, Schema] => [`${path}.${key}`, child]),
    ...(schema.items === undefined ? [] : [[`${path}[]`, schema.items] as [string, Schema]]),
  ]
  return [...found, ...children.flatMap(([childPath, child]) => booleansOf(child, childPath))]
}

describe('settings: booleans in the xo-web form', () => {
  const booleans = booleansOf(configurationSchema, 'configuration')

  it('finds the booleans of the schema (the check below is not vacuous)', () => {
    assert.ok(booleans.length >= 4, booleans.map(([path]) => path).join(', '))
  })

  it('gives every boolean a default of false, or none', () => {
    const wrong = booleans.filter(([, schema]) => schema.default !== undefined && schema.default !== false)
    assert.deepEqual(wrong.map(([path]) => path), [])
  })

  it('runs the audit and includes the HSTS check when nothing is stored (the form shows both switches off)', () => {
    const { audit } = parseSettings({})
    assert.equal(audit.paused, false)
    assert.equal(audit.skipHsts, false)
  })

  describe('a configuration stored by an earlier version', () => {
    it('still validates, and its switches keep their meaning', () => {
      assert.deepEqual(pick(parseSettings({ audit: { enabled: false, checkHsts: false } }).audit), { paused: true, skipHsts: true })
      assert.deepEqual(pick(parseSettings({ audit: { enabled: true, checkHsts: true } }).audit), { paused: false, skipHsts: false })
    })

    it('keeps an earlier `enabled: false` when xo-server filled the defaults in first (as it does before configure)', () => {
      const xoServerAjv = new Ajv({ strict: 'log', strictRequired: false, useDefaults: true })
      xoServerAjv.addVocabulary(['$multiline', '$type', 'enumNames'])
      const stored = { audit: { enabled: false, checkHsts: false } }
      assert.ok(xoServerAjv.validate(configurationSchema, stored), JSON.stringify(xoServerAjv.errors))
      assert.deepEqual(pick(parseSettings(stored).audit), { paused: true, skipHsts: true })
    })

    it('lets the new switch win when both are stored (the form shows the new one)', () => {
      assert.deepEqual(pick(parseSettings({ audit: { enabled: false, paused: false } }).audit), { paused: false, skipHsts: false })
    })

    it('drops the old names from the parsed settings', () => {
      const audit = parseSettings({ audit: { enabled: false, checkHsts: true } }).audit as Record<string, unknown>
      assert.equal('enabled' in audit || 'checkHsts' in audit, false)
    })

    it('refuses an old switch that is not a boolean', () => {
      assert.throws(() => parseSettings({ audit: { enabled: 'no' } }), { code: 10 })
    })

    it('keeps the old names out of the form (xo-web renders `properties` only)', () => {
      const shown = Object.keys(configurationSchema.properties.audit.properties)
      assert.equal(shown.includes('enabled') || shown.includes('checkHsts'), false)
    })
  })
})

function pick({ paused, skipHsts }: { paused: boolean; skipHsts: boolean }) {
  return { paused, skipHsts }
}
