// The writer policy, and the property that whatever it accepts is written and read back unchanged.
import assert from 'node:assert/strict'

import {
  CATALOG,
  catalogEntry,
  DEFAULT_MANAGED_FILE,
  effectiveConfig,
  isManagedFile,
  isSafeFileName,
  mergeManagedFile,
  parseFile,
  renderManagedFile,
  stringOfFloat,
  validateChange,
  type CatalogEntry,
} from '../../src/conf'
import { compareNames } from '../../src/conf/effective'
import { treeOf } from './helpers'

// mulberry32: a small seeded generator, so that a failing case can be replayed.
function randomSource(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Random = () => number
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]
const integerBetween = (random: Random, low: number, high: number) => low + Math.floor(random() * (high - low + 1))
const STRING_CHARACTERS = [...'abcXYZ019 \t"\'\\=;:,.-_/[]()éü€😀\u00a0\v']
const WORD_CHARACTERS = [...'abcdefxyz0123456789._-']

function randomText(random: Random, characters: readonly string[], maxLength: number, minLength = 0): string {
  return Array.from({ length: integerBetween(random, minLength, maxLength) }, () => pick(random, characters)).join('')
}

function randomNumber(random: Random, entry: CatalogEntry, integer: boolean): string {
  const low = Math.ceil(entry.minimum ?? -1_000_000)
  const high = Math.min(entry.maximum ?? Infinity, low + pick(random, [10, 1000, 100_000_000])) - 1
  const whole = integerBetween(random, low, high)
  // a fraction moves a negative number down: only non-negative numbers get one
  return integer || whole < 0 || random() < 0.5 ? String(whole) : `${whole}.${integerBetween(random, 0, 999_999)}`
}

function randomList(random: Random, entry: CatalogEntry): string {
  const joiner = { whitespace: ' ', space: ' ', colon: ':', comma: ',' }[entry.separator ?? 'whitespace']
  const item = () =>
    entry.allowedItems !== undefined
      ? pick(random, entry.allowedItems)
      : entry.itemFormat === 'pci-vendor-id'
        ? randomText(random, [...'0123456789abcdefABCDEF'], 4, 1)
        : randomText(random, WORD_CHARACTERS, 12, 1)
  return Array.from({ length: integerBetween(random, 0, 5) }, item).join(joiner)
}

/** A value the writer policy must accept for the key. */
function randomValue(random: Random, entry: CatalogEntry): string {
  if (entry.format === 'delay-pair') return `${integerBetween(random, 0, 9)}.${integerBetween(random, 0, 99)},${integerBetween(random, 0, 9)}`
  switch (entry.type) {
    case 'int':
      return randomNumber(random, entry, true)
    case 'float':
      return randomNumber(random, entry, false)
    case 'duration':
      return randomNumber(random, entry, entry.durationOf === 'int')
    case 'bool':
      return pick(random, ['true', 'false'])
    case 'enumeration':
      return pick(random, entry.values ?? [])
    case 'list':
      return randomList(random, entry)
    default:
      return randomText(random, STRING_CHARACTERS, 20)
  }
}

const WRITABLE = CATALOG.filter(entry => entry.class !== 'forbidden')

describe('conf/writer', function () {
  describe('validateChange', function () {
    it('accepts managed keys with plain decimal literals', function () {
      const result = validateChange({ pending_task_timeout: 172800, completed_task_timeout: '3900.5', hsts_max_age: 31536000 })
      assert.deepEqual(result, { ok: true, issues: [], settings: { pending_task_timeout: '172800', completed_task_timeout: '3900.5', hsts_max_age: '31536000' } })
    })

    it('refuses units, exponents, hex, underscores, signs and special floats that XAPI would accept or choke on', function () {
      for (const value of ['48h', '1e5', '0x10', '1_000', '+5', 'nan', 'inf', '172800.', '.5', ' 5', '05', '']) {
        const result = validateChange({ pending_task_timeout: value })
        assert.equal(result.ok, false, value)
        assert.equal(result.issues[0].code, 'invalid-value')
      }
      assert.equal(validateChange({ hsts_max_age: '1y' }).issues[0].code, 'invalid-value')
      assert.equal(validateChange({ hsts_max_age: 1.5 }).ok, false)
      assert.equal(validateChange({ hsts_max_age: '4611686018427387904' }).ok, false)
    })

    it('refuses values below the minimum', function () {
      assert.equal(validateChange({ pending_task_timeout: 0 }).ok, false)
      assert.equal(validateChange({ pending_task_timeout: 599 }).ok, false)
      assert.equal(validateChange({ pending_task_timeout: 600 }).ok, true)
      assert.equal(validateChange({ hsts_max_age: -2 }).ok, false)
      assert.equal(validateChange({ hsts_max_age: -1 }).ok, true)
    })

    it('refuses #, CR, LF and NUL in any value', function () {
      for (const value of ['a#b', 'a\rb', 'a\nb', 'a\0b']) {
        const result = validateChange({ 'repository-gpgkey-name': value }, { expert: true })
        assert.equal(result.issues[0]?.code, 'invalid-value', JSON.stringify(value))
      }
    })

    it('refuses unknown keys with a suggestion, forbidden keys, expert keys without the flag, and keys the host does not read', function () {
      const unknown = validateChange({ 'pending-task-timeout': 1 }).issues[0]
      assert.deepEqual([unknown.code, unknown.suggestion], ['unknown-key', 'pending_task_timeout'])
      assert.equal(validateChange({ nowatchdog: true }).issues[0].code, 'forbidden')
      assert.equal(validateChange({ 'sm-plugins': ['ext'] }).issues[0].code, 'expert-only')
      assert.equal(validateChange({ 'sm-plugins': ['ext'] }, { expert: true }).ok, true)
      assert.equal(validateChange({ hsts_max_age: 1 }, { xapiVersion: '1.249.41' }).issues[0].code, 'unknown-to-version')
      assert.equal(validateChange({ hsts_max_age: 1 }, { xapiVersion: '26.1.3' }).ok, true)
    })

    it('checks booleans, enumerations and list items', function () {
      assert.deepEqual(validateChange({ 'website-https-only': false }, { expert: true }).settings, { 'website-https-only': 'false' })
      assert.equal(validateChange({ 'website-https-only': 'yes' }, { expert: true }).ok, false)
      assert.equal(validateChange({ 'firewall-backend': 'nftables' }, { expert: true }).ok, false)
      assert.equal(validateChange({ 'igd-passthru-vendor-whitelist': ['8086', 'zzzz'] }, { expert: true }).ok, false)
      assert.equal(validateChange({ 'sm-plugins': ['ext', 'two words'] }, { expert: true }).ok, false)
    })

    it('refuses two names of one XAPI setting in one change', function () {
      const result = validateChange({ max_spans: 5, 'max-spans': 6 }, { expert: true })
      assert.deepEqual(result.issues.map(issue => issue.code), ['alias-conflict'])
    })

    it('refuses values of other JavaScript types', function () {
      for (const value of [undefined, {}, NaN, Infinity]) {
        assert.equal(validateChange({ hsts_max_age: value } as never).issues[0]?.code, 'invalid-value', String(value))
      }
    })

    it('passes removals through', function () {
      assert.deepEqual(validateChange({ hsts_max_age: null }).settings, { hsts_max_age: null })
    })
  })

  describe('file names and the managed file', function () {
    it('accepts safe .conf names only, and the default sorts after the vendor drop-ins', function () {
      for (const name of ['zz-xo-xapi-config.conf', 'hsts.conf', '99.conf', 'A_b-c.d.conf']) assert.ok(isSafeFileName(name), name)
      for (const name of ['.hidden.conf', '-x.conf', 'a.conf~', 'a.conf.rpmnew', 'a b.conf', 'a/b.conf', '.conf', 'x.CONF', 'é.conf']) {
        assert.ok(!isSafeFileName(name), name)
      }
      for (const vendor of ['ssh-auto-mode.conf', 'tracing.conf', 'xcpng-ntp.conf', 'firewall-backend.conf', 'xenserver9.conf']) {
        assert.ok(compareNames(vendor, DEFAULT_MANAGED_FILE) < 0, vendor)
      }
    })

    it('renders a header, sorted keys and LF endings, and is recognised as managed', function () {
      const text = renderManagedFile({ pending_task_timeout: '172800', hsts_max_age: '31536000' })
      assert.match(text, /^# Managed by Xen Orchestra/)
      assert.ok(text.endsWith('hsts_max_age = 31536000\npending_task_timeout = 172800\n'))
      assert.ok(!text.includes('\r'))
      assert.ok(isManagedFile(text))
      assert.ok(!isManagedFile('hsts_max_age = 1\n'))
    })

    it('quotes values the parser would otherwise change', function () {
      const text = renderManagedFile({ a: ' lead', b: 'trail ', c: '"quoted"', d: '', e: '\\x' })
      assert.deepEqual(
        parseFile(text).map(({ key, value }) => [key, value]),
        [
          ['a', ' lead'],
          ['b', 'trail '],
          ['c', '"quoted"'],
          ['d', ''],
          ['e', '\\x'],
        ]
      )
    })

    it('refuses to render a value holding a line break', function () {
      assert.throws(() => renderManagedFile({ a: 'x\ny' }), /cannot hold/)
    })

    it('merges a change into the current file: sets, replaces and removes keys', function () {
      const current = renderManagedFile({ hsts_max_age: '1', pending_task_timeout: '172800' })
      const merged = mergeManagedFile(current, { hsts_max_age: null, completed_task_timeout: '7200' })
      assert.equal(merged, renderManagedFile({ completed_task_timeout: '7200', pending_task_timeout: '172800' }))
      assert.equal(mergeManagedFile(undefined, { hsts_max_age: '5' }), renderManagedFile({ hsts_max_age: '5' }))
      assert.equal(mergeManagedFile(renderManagedFile({ 'max-spans': '5' }), { max_spans: '6' }), renderManagedFile({ max_spans: '6' }))
    })
  })

  describe('property: write -> parse round-trips', function () {
    it('gives back every accepted value, and XAPI starts on the file (2000 random changes)', function () {
      this.timeout(60_000)
      const random = randomSource(20261127)
      for (let round = 0; round < 2000; round++) {
        const entries = Array.from({ length: integerBetween(random, 1, 6) }, () => pick(random, WRITABLE))
        const oneNamePerSetting = entries.filter(entry => entries.every(other => other === entry || (other.aliasOf ?? other.key) !== (entry.aliasOf ?? entry.key)))
        const change = Object.fromEntries(oneNamePerSetting.map(entry => [entry.key, randomValue(random, entry)]))
        const validation = validateChange(change, { expert: true })
        assert.deepEqual(validation.issues, [], `round ${round}: ${JSON.stringify(change)}`)
        const text = renderManagedFile(validation.settings as Record<string, string>)
        const readBack = Object.fromEntries(parseFile(text).map(({ key, value }) => [key, value]))
        assert.deepEqual(readBack, change, `round ${round}: ${JSON.stringify(text)}`)
        const config = effectiveConfig(treeOf(null, { [DEFAULT_MANAGED_FILE]: text }))
        assert.equal(config.outcome, 'starts', `round ${round}: ${JSON.stringify(text)}`)
        for (const [key, written] of Object.entries(change)) {
          const held = config.values[key]?.value
          assert.ok(held !== undefined, `round ${round}: ${key}`)
          const { type, format } = catalogEntry(key) as CatalogEntry
          const expected = type === 'int' ? String(Number(written)) : type === 'float' ? stringOfFloat(Number(written)) : written
          if (format === undefined && type !== 'list' && type !== 'duration') assert.equal(held, expected, `round ${round}: ${key}`)
        }
      }
    })

    it('refuses every value holding #, CR, LF or NUL (2000 random strings)', function () {
      const random = randomSource(7)
      for (let round = 0; round < 2000; round++) {
        const bad = pick(random, ['#', '\r', '\n', '\0'])
        const value = `${randomText(random, STRING_CHARACTERS, 8)}${bad}${randomText(random, STRING_CHARACTERS, 8)}`
        assert.equal(validateChange({ 'repository-gpgkey-name': value }, { expert: true }).ok, false, JSON.stringify(value))
      }
    })
  })
})
