// Every xo-cli example of the documentation (README.md and docs/*.md), parsed as the real xo-cli parses
// its arguments (strings unless `json:`), goes through xo-server's API pipeline (the harness's params
// schema, then the plugin's own checks) and must not be refused as invalid parameters. The placeholders
// become ids of objects that do not exist, so a method that would act stops at `noSuchObject` instead.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createHarness, type Harness } from '../harness'
import { PLUGIN_ID } from '../support/plugin-lab'
import { parseXoCliParams, xoCliCommands, type XoCliCommand } from '../support/xo-cli'

const ROOT = join(__dirname, '..', '..')
const DOCUMENTS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter(name => name.endsWith('.md')).map(name => `docs/${name}`)]

/** A new UUID-shaped id for each placeholder, so that lists of several hosts hold distinct ids. */
function placeholderIds(): (name: string) => string {
  let next = 0
  return name => {
    if (!/\b(pool|host|change|rollout)\b/.test(name)) {
      throw new Error(`unknown placeholder <${name}>: say which object it names`)
    }
    next++
    return `00000000-0000-4000-8000-${String(next).padStart(12, '0')}`
  }
}

const COMMANDS: XoCliCommand[] = DOCUMENTS.flatMap(file => xoCliCommands(readFileSync(join(ROOT, file), 'utf8'), file, placeholderIds()))

describe('xo-cli: every example of the documentation passes xo-server\'s params checks', () => {
  let harness: Harness
  before(async () => {
    harness = await createHarness()
    await harness.loadPlugin(undefined, {}, { name: PLUGIN_ID })
  })
  after(() => harness.stop())

  it('finds the examples (README.md and docs/*.md), with every method of the plugin among them', () => {
    const documented = new Set(COMMANDS.map(command => command.method))
    const methods = Object.keys(harness.xo.apiMethods).filter(name => name.startsWith('xapiConfig.'))
    assert.ok(methods.length > 0)
    assert.deepEqual(methods.filter(name => !documented.has(name)), [])
  })

  for (const command of COMMANDS) {
    it(`${command.source}: ${command.line}`, async () => {
      assert.ok(command.method in harness.xo.apiMethods, `no method ${command.method}`)
      const params = parseXoCliParams(command.args)
      await harness.call(command.method, params).catch(error => {
        // Accepted, then stopped because the placeholder ids name nothing.
        assert.equal(error.code, 1, `${error.message}\n${JSON.stringify(error.data)}`)
      })
    })
  }
})
