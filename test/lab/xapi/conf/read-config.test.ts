// The lab's XAPI configuration reader against the xapi-conf test vectors (test/fixtures), which were produced by
// running XAPI's own reading code on each file tree.
import * as assert from 'node:assert/strict'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

import { vectorExpected, vectorIndex, writeVectorTree } from '../../../support/xapi-conf-vectors'
import { stringOfFloat } from '../ocaml'
import { type ConfValue, readXapiConfig } from './read-config'

const UNORDERED_SETS = new Set(['disable-logging-for'])
const JOINED_BY_COLON = new Set(['search-path'])

// The vectors' printing conventions (see their README).
function printed(key: string, value: ConfValue): string {
  const utf8 = (text: string) => Buffer.from(text, 'latin1').toString('utf8')
  if (typeof value === 'bigint') return String(value)
  if (typeof value === 'number') return stringOfFloat(value)
  if (typeof value === 'boolean') return String(value)
  if (typeof value === 'string') return utf8(value)
  const words = UNORDERED_SETS.has(key) ? [...value].sort() : value
  return utf8(words.join(JOINED_BY_COLON.has(key) ? ':' : ' '))
}

// A JS NaN has no observable sign; XAPI treats `nan` and `-nan` alike (every comparison is false).
const normalised = (text: string) => (text === '-nan' ? 'nan' : text)

describe('lab XAPI configuration reader (xapi-conf test vectors)', () => {
  const index = vectorIndex()
  let scratch: string

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-conf-vectors-'))
  })
  after(() => fs.rmSync(scratch, { recursive: true, force: true }))

  it('covers every vector', () => assert.equal(index.length, 137))

  for (const { id, what } of index) {
    it(`${id}: ${what}`, () => {
      const expected = vectorExpected(id)
      const root = path.join(scratch, id)
      writeVectorTree(root, id)

      const outcome = readXapiConfig({ etcDir: path.join(root, 'etc'), xapiVersion: [26, 1, 3] })

      if (!outcome.started) {
        assert.deepEqual({ exit: outcome.exitCode, stderr: outcome.stderr }, { exit: expected.exit, stderr: expected.stderr })
        return
      }
      assert.equal(expected.exit, 0, `XAPI exits ${expected.exit} (${expected.stderr.trim()}) but the lab started`)
      for (const [key, value] of Object.entries(expected.effective)) {
        assert.ok(outcome.values.has(key), `no effective value for ${key}`)
        assert.equal(normalised(printed(key, outcome.values.get(key)!)), normalised(value), key)
      }
    })
  }
})
