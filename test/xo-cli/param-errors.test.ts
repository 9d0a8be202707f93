// The plugin's own invalidParameters errors have the shape of xo-server's schema (Ajv) errors, so the
// real xo-cli prints them instead of failing with a TypeError on a missing `instancePath`.
import assert from 'node:assert/strict'
import { createHarness, type Harness } from '../harness'
import { PLUGIN_ID } from '../support/plugin-lab'
import { formatLikeXoCli, parseXoCliParams } from '../support/xo-cli'

const POOL = '0c6f1b36-5d7b-4d4c-9a8e-1f2a3b4c5d6e'
const HOST = '7d1e2f3a-4b5c-4d6e-8f9a-0b1c2d3e4f5a'

interface Case {
  what: string
  method: string
  args: string[]
  /** The lines xo-cli prints after the error's message. */
  printed: RegExp[]
}

const CASES: Case[] = [
  {
    what: 'a unit in a value',
    method: 'xapiConfig.apply',
    args: [`pool=${POOL}`, 'settings=json:{"pending_task_timeout":"48h"}'],
    printed: [/^ {2}property @\.\/settings\/pending_task_timeout: .*plain decimal number/],
  },
  {
    what: 'an unknown key, with its suggestion',
    method: 'xapiConfig.plan',
    args: [`pool=${POOL}`, 'settings=json:{"pending_task_timout":"172800"}'],
    printed: [/^ {2}property @\.\/settings\/pending_task_timout: .*did you mean pending_task_timeout/],
  },
  {
    what: 'a path as the file to remove',
    method: 'xapiConfig.removeFile',
    args: [`pool=${POOL}`, 'file=../etc/passwd'],
    printed: [/^ {2}property @\.\/file: a plain file name/],
  },
  {
    what: 'a path as the file to write',
    method: 'xapiConfig.apply',
    args: [`pool=${POOL}`, 'file=../x.conf', 'settings=json:{"pending_task_timeout":"172800"}'],
    printed: [/^ {2}property @\.\/file: "\.\.\/x\.conf" is not a drop-in name/],
  },
  {
    what: 'both pool and hosts',
    method: 'xapiConfig.plan',
    args: [`pool=${POOL}`, `hosts=json:["${HOST}"]`, 'settings=json:{"pending_task_timeout":"172800"}'],
    printed: [/^ {2}property @: exactly one of pool, hosts is required/],
  },
  {
    what: 'both pools and hosts for the HSTS check',
    method: 'xapiConfig.checkHsts',
    args: [`pools=json:["${POOL}"]`, `hosts=json:["${HOST}"]`],
    printed: [/^ {2}property @: pools and hosts are exclusive/],
  },
  {
    what: 'forgetFirst with a max-age',
    method: 'xapiConfig.setHsts',
    args: [`pool=${POOL}`, 'maxAge=json:60', 'forgetFirst=true'],
    printed: [/^ {2}property @\.\/forgetFirst: forgetFirst requires maxAge: null/],
  },
  {
    what: 'bad desired drop-ins in plugin.configure',
    method: 'plugin.configure',
    args: [
      `id=${PLUGIN_ID}`,
      'configuration=json:{"desired":[{"file":"a..conf","settings":"pending_task_timeout = 48h\\nfoo bar"}]}',
    ],
    printed: [
      /^ {2}property @\.\/desired\/0\/file: desired\[0\]: file "a\.\.conf" is not a drop-in name/,
      /^ {2}property @\.\/desired\/0\/settings: desired\[0\]: line 1: .*plain decimal number/,
      /^ {2}property @\.\/desired\/0\/settings: desired\[0\]: line 2: "foo bar" is not a `key = value` line/,
    ],
  },
  {
    what: 'a bad audit time zone in plugin.configure',
    method: 'plugin.configure',
    args: [`id=${PLUGIN_ID}`, 'configuration=json:{"audit":{"timezone":"Mars/Olympus"}}'],
    printed: [/^ {2}property @\.\/audit\/timezone: "Mars\/Olympus" is not a time zone/],
  },
]

describe('xo-cli: the plugin\'s parameter errors have the shape of xo-server\'s', () => {
  let harness: Harness
  before(async () => {
    harness = await createHarness()
    await harness.loadPlugin(undefined, {}, { name: PLUGIN_ID })
  })
  after(() => harness.stop())

  async function invalidParameters(method: string, args: string[]): Promise<any> {
    const error: any = await harness.call(method, parseXoCliParams(args)).then(
      () => assert.fail(`${method} accepted ${args.join(' ')}`),
      error => error,
    )
    assert.equal(error.code, 10, `${method}: ${error.message}`)
    return error
  }

  function assertAjvShape(entry: any): void {
    assert.equal(typeof entry.instancePath, 'string', JSON.stringify(entry))
    assert.ok(entry.instancePath === '' || entry.instancePath.startsWith('/'), entry.instancePath)
    assert.equal(typeof entry.message, 'string')
    assert.equal(typeof entry.keyword, 'string')
    assert.equal(typeof entry.params, 'object')
    assert.notEqual(entry.params, null)
  }

  it('xo-server\'s own schema errors (the reference shape) print as xo-cli prints them', async () => {
    const error = await invalidParameters('xapiConfig.setTaskTimeout', [`pool=${POOL}`, 'pendingSeconds=172800'])
    error.data.errors.forEach(assertAjvShape)
    assert.match(formatLikeXoCli(error), /property @\.\/pendingSeconds: must be integer/)
  })

  for (const { what, method, args, printed } of CASES) {
    it(`${what}: every entry has instancePath, message, keyword and params, and xo-cli prints each`, async () => {
      const error = await invalidParameters(method, args)
      assert.ok(error.data.errors.length >= printed.length, JSON.stringify(error.data.errors))
      error.data.errors.forEach(assertAjvShape)
      const lines = formatLikeXoCli(error).split('\n')
      assert.equal(lines[0], error.message)
      for (const line of printed) {
        assert.ok(lines.some(printedLine => line.test(printedLine)), `${line} in\n${lines.join('\n')}`)
      }
    })
  }

  it('keeps the plugin\'s own fields: the key, its suggestion and the check\'s code', async () => {
    const error = await invalidParameters('xapiConfig.plan', [`pool=${POOL}`, 'settings=json:{"pending_task_timout":"172800"}'])
    const [entry] = error.data.errors
    assert.equal(entry.property, 'settings.pending_task_timout')
    assert.equal(entry.suggestion, 'pending_task_timeout')
    assert.equal(entry.keyword, entry.code)
    assert.deepEqual(entry.params, { key: 'pending_task_timout', suggestion: 'pending_task_timeout' })
  })

  it('names the bad value of a desired line instead of saying the entry has no `key = value` line', async () => {
    const error = await invalidParameters('plugin.configure', [
      `id=${PLUGIN_ID}`,
      'configuration=json:{"desired":[{"settings":"pending_task_timeout = 48h"}]}',
    ])
    assert.match(error.message, /line 1: .*plain decimal number/)
    assert.doesNotMatch(error.message, /no `key = value` line/)
  })
})
