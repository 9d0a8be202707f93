// The OCaml conversions against outputs recorded from OCaml 4.13.1 itself, plus the quirks the
// reference and the test vectors pin down.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { boolOfString, floatOfString, intOfString, stringOfFloat } from '../../src/conf'

const show = (value: { toString(): string } | undefined, print: (v: never) => string) => (value === undefined ? 'FAIL' : print(value as never))

describe('conf/ocaml', function () {
  describe('recorded OCaml outputs (fixtures/ocaml-conversions.tsv)', function () {
    const rows = readFileSync(join(__dirname, 'fixtures/ocaml-conversions.tsv'), 'utf8')
      .split('\n')
      .filter(line => line !== '' && !line.startsWith('#'))
      .map(line => line.split('\t'))

    it('holds a few hundred rows', function () {
      assert.ok(rows.length > 400)
    })

    it('int_of_string, float_of_string + string_of_float and bool_of_string agree on every row', function () {
      for (const [hex, int, float, bool] of rows) {
        const input = Buffer.from(hex, 'hex').toString('latin1')
        const label = JSON.stringify(input)
        assert.equal(show(intOfString(input), (v: bigint) => v.toString()), int, `int_of_string ${label}`)
        assert.equal(show(floatOfString(input), stringOfFloat), float, `float_of_string ${label}`)
        assert.equal(show(boolOfString(input), String), bool, `bool_of_string ${label}`)
      }
    })
  })

  const intCases: [string, string | undefined][] = [
    ['31536000', '31536000'],
    ['+5', '5'],
    ['-1', '-1'],
    ['-0', '0'],
    ['0x10', '16'],
    ['0X1f', '31'],
    ['0o17', '15'],
    ['0b101', '5'],
    ['0u42', '42'],
    ['1_000', '1000'],
    ['1_', '1'],
    ['4611686018427387903', '4611686018427387903'],
    ['0x4000000000000000', '-4611686018427387904'],
    ['0x7fffffffffffffff', '-1'],
    ['4611686018427387904', undefined],
    ['0x8000000000000000', undefined],
    ['_1', undefined],
    ['0x', undefined],
    ['5.0', undefined],
    ['1e5', undefined],
    ['', undefined],
    ['abc', undefined],
    ['5\r', undefined],
    ['+-5', undefined],
    ['1,000', undefined],
    [' 5', undefined],
    ['\u0665', undefined],
  ]
  for (const [input, expected] of intCases) {
    it(`int_of_string ${JSON.stringify(input)} -> ${expected ?? 'Failure'}`, function () {
      assert.equal(intOfString(input)?.toString(), expected)
    })
  }

  const floatCases: [string, string | undefined][] = [
    ['86400', '86400.'],
    ['172800.', '172800.'],
    ['172800.0', '172800.'],
    ['1.728e5', '172800.'],
    ['1e5', '100000.'],
    ['1E5', '100000.'],
    ['2_000', '2000.'],
    ['_1', '1.'],
    ['1__0', '10.'],
    ['inf_', 'inf'],
    ['-1', '-1.'],
    ['.5', '0.5'],
    ['+5', '5.'],
    ['nan', 'nan'],
    ['NaN', 'nan'],
    ['-nan', '-nan'],
    ['nan(0x1)', 'nan'],
    ['inf', 'inf'],
    ['Infinity', 'inf'],
    ['-inf', '-inf'],
    ['0x1p4', '16.'],
    ['0x1.8', '1.5'],
    [' 5', '5.'],
    ['3.14159265358979', '3.14159265359'],
    ['1e20', '1e+20'],
    ['0.0001', '0.0001'],
    ['0.00001', '1e-05'],
    ['100000000000.5', '100000000000.'],
    ['-0', '-0.'],
    ['48h', undefined],
    ['abc', undefined],
    ['', undefined],
    ['_', undefined],
    ['5 ', undefined],
    ['86400\r', undefined],
    ['1,5', undefined],
    ['0b101', undefined],
    ['0o17', undefined],
    ['infin', undefined],
  ]
  for (const [input, expected] of floatCases) {
    it(`float_of_string ${JSON.stringify(input)} -> ${expected ?? 'Failure'}`, function () {
      const parsed = floatOfString(input)
      assert.equal(parsed === undefined ? undefined : stringOfFloat(parsed), expected)
    })
  }

  it('bool_of_string accepts exactly true and false', function () {
    assert.equal(boolOfString('true'), true)
    assert.equal(boolOfString('false'), false)
    for (const rejected of ['True', 'yes', '1', '', ' true', 'true\r', 'on']) assert.equal(boolOfString(rejected), undefined, rejected)
  })

  it('string_of_float adds a dot only to integer-looking output', function () {
    assert.equal(stringOfFloat(172800), '172800.')
    assert.equal(stringOfFloat(0.1), '0.1')
    assert.equal(stringOfFloat(1e21), '1e+21')
    assert.equal(stringOfFloat(-0), '-0.')
  })
})
