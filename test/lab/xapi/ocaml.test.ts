// The OCaml conversions on cases the xapi-conf test vectors do not cover; expected values were printed by
// OCaml 4.13 (`ocaml` on this machine) for the same inputs.
import * as assert from 'node:assert/strict'

import { boolOfString, floatOfString, intOfString, OcamlException, stringOfFloat } from './ocaml'

const failsWith = (message: string) => (error: unknown) => error instanceof OcamlException && error.argument === message

describe('lab XAPI simulator: OCaml conversions', () => {
  it('int_of_string: prefixes, underscores, 63-bit range and wrap-around', () => {
    const cases: Array<[string, bigint]> = [
      ['-0x1', -1n],
      ['0x7fffffffffffffff', -1n],
      ['0x4000000000000000', -4611686018427387904n],
      ['-4611686018427387904', -4611686018427387904n],
      ['4611686018427387903', 4611686018427387903n],
      ['1_', 1n],
      ['0_', 0n],
      ['0X1f', 31n],
      ['-0u5', -5n],
    ]
    for (const [text, value] of cases) assert.equal(intOfString(text), value, text)
    for (const text of ['0x', '0u', '0x8000000000000000', '0b', ' 5', '0o8', '_1', '0x_1', '-', '0u-5', '-0x8000000000000000']) {
      assert.throws(() => intOfString(text), failsWith('int_of_string'), text)
    }
  })

  it('float_of_string: hex floats, strtod white space, nan and inf', () => {
    const cases: Array<[string, string]> = [
      ['0x1p 4', '16.'],
      ['0x1_0', '16.'],
      ['-0x10', '-16.'],
      [' 5', '5.'],
      ['\t5', '5.'],
      [' 0x10', '16.'],
      ['0x1.8p1', '3.'],
      ['infinity', 'inf'],
      ['-inf', '-inf'],
      ['0x1p-1074', '4.94065645841e-324'],
      ['0x1p1024', 'inf'],
      ['1e400', 'inf'],
      ['0x_1', '1.'],
      ['0x1p1_0', '1024.'],
      ['0x10000000000000001', '1.84467440737e+19'],
    ]
    for (const [text, printed] of cases) assert.equal(stringOfFloat(floatOfString(text)), printed, text)
    for (const text of ['0x', '0x.', '0xp1', '0x1p', 'nan(abc', '1e', '1e+', '5 ', '_', '+', '1.2.3', '0x1.2.3']) {
      assert.throws(() => floatOfString(text), failsWith('float_of_string'), text)
    }
  })

  it('string_of_float: %.12g with ties to even, and a dot on integral values', () => {
    const cases: Array<[number, string]> = [
      [1234567890125, '1.23456789012e+12'],
      [1234567890123, '1.23456789012e+12'],
      [123456789012, '123456789012.'],
      [1e12, '1e+12'],
      [1e20, '1e+20'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [-0, '-0.'],
      [123456.7, '123456.7'],
      [1787302800, '1787302800.'],
    ]
    for (const [value, printed] of cases) assert.equal(stringOfFloat(value), printed, String(value))
  })

  it('bool_of_string: exactly true or false', () => {
    assert.equal(boolOfString('true'), true)
    assert.equal(boolOfString('false'), false)
    for (const text of ['True', 'yes', '1', '', ' true']) {
      assert.throws(() => boolOfString(text), (error: unknown) => error instanceof OcamlException && error.message === 'Invalid_argument("bool_of_string")')
    }
  })
})
