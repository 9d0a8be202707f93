// The catalog against the reference's §2 tables (test/fixtures/xapi-config-keys.json), its classes against §2.7, and its derivations.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

import Ajv from 'ajv'

import { CATALOG, catalogEntry, catalogJsonSchema, catalogMarkdownTable } from '../../src/conf'

// The key tables of the reference's §2.1-§2.5 (§2.6 lists constants that are not keys), reduced to the
// facts checked here: each key's section, its type as the reference names it, and its default's first word.
const REFERENCE_KEYS = resolve(__dirname, '../fixtures/xapi-config-keys.json')

interface ReferenceRow {
  /** e.g. 2.3 */
  section: string
  key: string
  type: 'exec' | 'file' | 'dir' | 'float' | 'int' | 'bool' | 'list' | 'string'
  default: string
}

const referenceRows = (): ReferenceRow[] => JSON.parse(readFileSync(REFERENCE_KEYS, 'utf8')) as ReferenceRow[]

const CATALOG_TYPES_FOR: Record<ReferenceRow['type'], string[]> = {
  exec: ['path'],
  file: ['path'],
  dir: ['path'],
  float: ['float', 'duration'],
  int: ['int', 'duration'],
  bool: ['bool'],
  list: ['list'],
  string: ['string', 'path', 'enumeration', 'list'],
}

describe('conf/catalog', function () {
  const rows = referenceRows()

  it('reads the reference tables', function () {
    assert.ok(rows.length > 250, `only ${rows.length} rows`)
  })

  it('holds every key of the reference §2', function () {
    const missing = rows.filter(row => catalogEntry(row.key) === undefined).map(row => row.key)
    assert.deepEqual(missing, [])
  })

  it('gives each key a type compatible with the reference', function () {
    for (const row of rows) {
      const entry = catalogEntry(row.key)
      if (entry === undefined) continue
      assert.ok(CATALOG_TYPES_FOR[row.type].includes(entry.type), `${row.key}: ${entry.type} for "${row.type}"`)
    }
  })

  it('agrees with the reference on numeric and boolean defaults', function () {
    for (const row of rows) {
      const entry = catalogEntry(row.key)
      if (entry === undefined) continue
      if (entry.type === 'float' || entry.type === 'int') assert.equal(Number(entry.default), Number(row.default), row.key)
      if (entry.type === 'bool') assert.equal(entry.default, row.default, row.key)
    }
  })

  it('defines each key once, with a description', function () {
    const keys = CATALOG.map(entry => entry.key)
    assert.equal(new Set(keys).size, keys.length)
    for (const entry of CATALOG) assert.ok(entry.description.length > 5, entry.key)
  })

  it('prints float defaults as string_of_float does', function () {
    assert.equal(catalogEntry('pending_task_timeout')?.default, '86400.')
    assert.equal(catalogEntry('completed_task_timeout')?.default, '3900.')
    assert.equal(catalogEntry('redo_log_connect_delay')?.default, '0.1')
    assert.equal(catalogEntry('hsts_max_age')?.default, '-1')
  })

  it('describes the three keys of §2.1 as managed, with their types and the HSTS version', function () {
    assert.deepEqual(
      ['pending_task_timeout', 'completed_task_timeout', 'hsts_max_age'].map(key => [catalogEntry(key)?.type, catalogEntry(key)?.class]),
      [
        ['float', 'managed'],
        ['float', 'managed'],
        ['int', 'managed'],
      ]
    )
    assert.equal(catalogEntry('hsts_max_age')?.since, '23.16.0')
  })

  it('forbids the keys of §2.7 set by xapi-init, daemon plumbing, HA timing, vendor-owned keys and resource paths', function () {
    const forbidden = [
      ...['nowatchdog', 'writereadyfile', 'writeinitcomplete', 'onsystemboot'],
      ...['config', 'config-dir', 'pidfile', 'inventory', 'use-switch', 'switch-path', 'search-path', 'log', 'xenopsd-queues', 'xenopsd-default', 'use-xmlrpc', 'timeslice', 'test-open'],
      ...['host_heartbeat_interval', 'host_assumed_dead_interval', 'fuse_time', 'db_restore_fuse_time', 'permanent_master_failure_retry_interval'],
      ...['disable-logging-for', 'factory-ntp-servers', 'legacy-factory-ntp-servers', 'ssh-auto-mode', 'create-tools-sr', 'allow-host-sched-gran-modification'],
      ...rows.filter(row => row.section === '2.5').map(row => row.key),
    ]
    const prefixed = CATALOG.filter(entry => /^(ha_|master_connection_|redo_log_)/.test(entry.key)).map(entry => entry.key)
    for (const key of [...forbidden, ...prefixed]) assert.equal(catalogEntry(key)?.class, 'forbidden', key)
  })

  it('never makes the storage, security and network policy keys of §2.7 managed', function () {
    const policy = ['sm-plugins', 'disable-dbsync-for', 'hotfix-fingerprint', 'website-https-only', 'https-only-default', 'migration-https-only', 'disable-webserver', 'firewall-backend', 'relax-xsm-sr-check', 'allow-custom-uefi-certs']
    const repository = CATALOG.filter(entry => entry.key.startsWith('repository-')).map(entry => entry.key)
    for (const key of [...policy, ...repository]) assert.notEqual(catalogEntry(key)?.class, 'managed', key)
  })

  describe('catalogJsonSchema', function () {
    const schema = catalogJsonSchema()
    const ajv = new Ajv({ strict: true })
    const validate = ajv.compile(schema)

    it('has one property per managed or expert key', function () {
      const expected = CATALOG.filter(entry => entry.class !== 'forbidden').map(entry => entry.key)
      assert.deepEqual(Object.keys(schema.properties as object), expected)
    })

    it('accepts typed settings and each default, refuses wrong types, forbidden and unknown keys', function () {
      assert.equal(validate({ pending_task_timeout: 172800, hsts_max_age: 31536000, 'website-https-only': false, 'sm-plugins': ['ext', 'nfs'] }), true)
      for (const [key, property] of Object.entries(schema.properties as Record<string, { default: unknown }>)) {
        assert.equal(validate({ [key]: property.default }), true, `${key} default ${JSON.stringify(property.default)}`)
      }
      assert.equal(validate({ hsts_max_age: 1.5 }), false)
      assert.equal(validate({ hsts_max_age: -2 }), false)
      assert.equal(validate({ 'firewall-backend': 'nftables' }), false)
      assert.equal(validate({ nowatchdog: true }), false)
      assert.equal(validate({ 'pending-task-timeout': 1 }), false)
    })
  })

  it('renders a markdown table with one row per key', function () {
    const table = catalogMarkdownTable()
    const lines = table.trim().split('\n')
    assert.equal(lines.length, CATALOG.length + 2)
    assert.match(table, /^\| `hsts_max_age` \| managed \| int \| `-1` \| 23\.16\.0 \|/m)
    assert.equal(catalogMarkdownTable(['managed']).trim().split('\n').length, CATALOG.filter(entry => entry.class === 'managed').length + 2)
  })
})
