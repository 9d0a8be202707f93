// The line parser against every example of the reference §1.4, plus the test-vector findings.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { parseFile, parseLine } from '../../src/conf'

describe('conf/parser', function () {
  const parsed: [string, string, string][] = [
    // reference §1.4 (the first rows are XAPI's own config_file_test cases)
    ['pending_task_timeout = 172800', 'pending_task_timeout', '172800'],
    ['   pending_task_timeout   =   172800   # two days', 'pending_task_timeout', '172800'],
    ["hsts_max_age = '31536000'", 'hsts_max_age', '31536000'],
    ['hsts_max_age = "31536000"', 'hsts_max_age', '31536000'],
    ['pending_task_timeout=172800', 'pending_task_timeout', '172800'],
    ['key\t=\tv\t', 'key', 'v'],
    ['key =', 'key', ''],
    ['key == v', 'key', '= v'],
    ['x = "a#b"', 'x', '"a'],
    ["k = 'a' 'b'", 'k', "a' 'b"],
    ['foo bar = baz', 'bar', 'baz'],
    // our own, from the test vectors
    ['hsts_max_age \\= 5', 'hsts_max_age', '5'],
    ['hsts_max_age = \\5', 'hsts_max_age', '5'],
    ['repository-gpgkey-name = path\\', 'repository-gpgkey-name', 'path\\'],
    ['; hsts_max_age = 5', 'hsts_max_age', '5'],
    ['// hsts_max_age = 5', 'hsts_max_age', '5'],
    ['[xapi] hsts_max_age = 8', 'hsts_max_age', '8'],
    ['a=1 hsts_max_age=5', 'a', '1 hsts_max_age=5'],
    ['repository-gpgkey-name = a=b=c', 'repository-gpgkey-name', 'a=b=c'],
    ['k = v\r', 'k', 'v\r'],
    ['k = v # comment\r', 'k', 'v'],
    ['k = "5"\r', 'k', '"5"\r'],
    ["k = 'foo '", 'k', 'foo '],
    ['k = "', 'k', '"'],
    ["k = '5\"", 'k', '\'5"'],
    ['Pending_task_timeout = 5', 'Pending_task_timeout', '5'],
    ['k = clé-ümläut', 'k', 'clé-ümläut'],
  ]
  for (const [line, key, value] of parsed) {
    it(`${JSON.stringify(line)} -> ${key} = ${JSON.stringify(value)}`, function () {
      const assignment = parseLine(line)
      assert.deepEqual([assignment?.key, assignment?.value], [key, value])
    })
  }

  const ignored = ['', '# comment', '   \t# pending_task_timeout = 1', '#hsts_max_age=5', 'key value', '[section]', 'k: v', '= value', '= 5']
  for (const line of ignored) {
    it(`ignores ${JSON.stringify(line)}`, function () {
      assert.equal(parseLine(line), undefined)
    })
  }

  it("agrees with XAPI's own parse_line on recorded random lines (fixtures/parse-line.tsv)", function () {
    const rows = readFileSync(join(__dirname, 'fixtures/parse-line.tsv'), 'utf8')
      .split('\n')
      .filter(line => line !== '' && !line.startsWith('#'))
      .map(line => line.split('\t'))
    assert.ok(rows.length > 300)
    const hex = (text: string) => Buffer.from(text, 'latin1').toString('hex')
    for (const [line, key, value] of rows) {
      const assignment = parseLine(Buffer.from(line, 'hex').toString('latin1'))
      const actual = assignment === undefined ? ['NONE'] : [hex(assignment.key), hex(assignment.value)]
      assert.deepEqual(actual, key === 'NONE' ? ['NONE'] : [key, value], JSON.stringify(Buffer.from(line, 'hex').toString('latin1')))
    }
  })

  it('records text skipped before the key, the carriage return and the comment cut', function () {
    const assignment = parseLine('set hsts_max_age = 48 # x\r')
    assert.equal(assignment?.prefix, 'set ')
    assert.equal(assignment?.hasCarriageReturn, true)
    assert.equal(assignment?.hadComment, true)
  })

  it('numbers lines like input_line: LF only, no extra line after a final LF', function () {
    const assignments = parseFile('# header\na = 1\n\nb = 2\r\nc = 3')
    assert.deepEqual(
      assignments.map(({ key, value, line }) => [key, value, line]),
      [
        ['a', '1', 2],
        ['b', '2\r', 4],
        ['c', '3', 5],
      ]
    )
  })

  it('reads a CR-only file as one line whose value runs to the end', function () {
    const assignments = parseFile('hsts_max_age = 5\rpending_task_timeout = 6\r')
    assert.deepEqual(
      assignments.map(({ key, value }) => [key, value]),
      [['hsts_max_age', '5\rpending_task_timeout = 6\r']]
    )
  })
})
