import assert from 'node:assert/strict'
import { parseStsField, readStsHeaders } from '../../src/services/hsts/header'

function policyOf(value: string) {
  const reading = parseStsField(value)
  assert.equal(reading.state, 'valid', `${value}: ${JSON.stringify(reading)}`)
  return reading.state === 'valid' ? reading : assert.fail()
}

function problemOf(value: string): string {
  const reading = parseStsField(value)
  assert.equal(reading.state, 'invalid', `${value} should be invalid`)
  return reading.state === 'invalid' ? reading.problem : assert.fail()
}

describe('HSTS header parsing (RFC 6797)', () => {
  it('reads what XAPI sends', () => {
    assert.deepEqual(policyOf('max-age=31536000'), {
      state: 'valid',
      policy: { maxAge: 31536000, includeSubDomains: false, preload: false },
      ignoredDirectives: [],
    })
  })

  it('reads max-age=0 as a policy with max-age 0', () => {
    assert.equal(policyOf('max-age=0').policy.maxAge, 0)
  })

  it('treats directive names case-insensitively and tolerates optional white space and empty directives', () => {
    const { policy } = policyOf(' MAX-AGE = 600 ;; IncludeSubDomains ; PRELOAD ;')
    assert.deepEqual(policy, { maxAge: 600, includeSubDomains: true, preload: true })
  })

  it('accepts a quoted max-age and quoted strings holding `;` in unknown directives', () => {
    const { policy, ignoredDirectives } = policyOf('max-age="86400"; report-uri="https://a.example/r;x=\\"1\\""; Foo')
    assert.equal(policy.maxAge, 86400)
    assert.deepEqual(ignoredDirectives, ['report-uri', 'Foo'])
  })

  it('requires max-age', () => {
    assert.match(problemOf('includeSubDomains'), /max-age.*missing/)
    assert.match(problemOf(''), /max-age.*missing/)
  })

  it('requires max-age to be delta-seconds', () => {
    for (const value of ['max-age=-1', 'max-age=1y', 'max-age=1.5', 'max-age=', 'max-age', 'max-age=""', 'max-age=" 10"']) {
      const reading = parseStsField(value)
      assert.equal(reading.state, 'invalid', value)
    }
    assert.match(problemOf('max-age=1y'), /`1y`/)
  })

  it('refuses a directive that appears twice, whatever its case', () => {
    assert.match(problemOf('max-age=10; Max-Age=20'), /`Max-Age` appears more than once/)
    assert.match(problemOf('max-age=10; preload; preload'), /more than once/)
  })

  it('refuses values on includeSubDomains and preload', () => {
    assert.match(problemOf('max-age=10; includeSubDomains=yes'), /includeSubDomains` takes no value/)
    assert.match(problemOf('max-age=10; preload="1"'), /preload` takes no value/)
  })

  it('refuses anything outside the grammar', () => {
    for (const value of ['max-age=10 includeSubDomains', 'max-age=10, max-age=20', 'max-age="10', 'max age=10', '=10']) {
      assert.equal(parseStsField(value).state, 'invalid', value)
    }
    assert.match(problemOf('max-age=10; in valid'), /`in valid` is not a valid directive/)
  })

  describe('readStsHeaders', () => {
    it('says absent when no header has the name', () => {
      assert.deepEqual(readStsHeaders(['Content-Type', 'text/html', 'X-Strict-Transport-Security', 'max-age=1']), { state: 'absent' })
    })

    it('matches the name case-insensitively and keeps the value as received', () => {
      const reading = readStsHeaders(['strict-transport-security', 'Max-Age=5'])
      assert.equal(reading.state, 'valid')
      assert.deepEqual(reading.state === 'valid' && reading.received, ['Max-Age=5'])
    })

    it('processes only the first of several headers and reports them all (RFC 6797 §8.1)', () => {
      const reading = readStsHeaders(['Strict-Transport-Security', 'max-age=100', 'STRICT-TRANSPORT-SECURITY', 'bogus'])
      assert.equal(reading.state, 'valid')
      assert.equal(reading.state === 'valid' && reading.policy.maxAge, 100)
      assert.deepEqual(reading.state === 'valid' && reading.received, ['max-age=100', 'bogus'])

      const invalidFirst = readStsHeaders(['Strict-Transport-Security', 'bogus', 'Strict-Transport-Security', 'max-age=100'])
      assert.equal(invalidFirst.state, 'invalid')
    })
  })
})
