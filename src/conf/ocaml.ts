// Exact re-implementations of the OCaml standard-library conversions XAPI applies to
// configuration values (OCaml runtime `ints.c` / `floats.c`, glibc `strtod`, `%.12g`).
// Inputs are JS strings whose characters stand for bytes: every non-ASCII character is
// rejected by these parsers, as its UTF-8 bytes would be.

const INT_BITS = 63
const UINT64_MASK = (1n << 64n) - 1n

function digitValue(char: string | undefined): number {
  if (char === undefined) return -1
  const code = char.charCodeAt(0)
  if (code >= 0x30 && code <= 0x39) return code - 0x30
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10
  return -1
}

interface IntPrefix {
  sign: 1n | -1n
  base: bigint
  signed: boolean
  start: number
}

function parseSignAndBase(text: string): IntPrefix {
  let start = 0
  let sign: 1n | -1n = 1n
  if (text[0] === '-') {
    sign = -1n
    start = 1
  } else if (text[0] === '+') {
    start = 1
  }
  if (text[start] === '0') {
    const radix = ({ x: 16n, X: 16n, o: 8n, O: 8n, b: 2n, B: 2n, u: 10n, U: 10n } as const)[
      text[start + 1] as 'x'
    ]
    if (radix !== undefined) return { sign, base: radix, signed: false, start: start + 2 }
  }
  return { sign, base: 10n, signed: true, start }
}

/** OCaml's `int_of_string` on a 64-bit host (63-bit ints); `undefined` where it raises `Failure`. */
export function intOfString(text: string): bigint | undefined {
  const { sign, base, signed, start } = parseSignAndBase(text)
  const threshold = UINT64_MASK / base
  const first = digitValue(text[start])
  if (first < 0 || BigInt(first) >= base) return undefined
  let result = BigInt(first)
  let index = start + 1
  for (; index < text.length; index++) {
    if (text[index] === '_') continue
    const digit = digitValue(text[index])
    if (digit < 0 || BigInt(digit) >= base) break
    if (result > threshold) return undefined
    result = (base * result + BigInt(digit)) & UINT64_MASK
    if (result < BigInt(digit)) return undefined
  }
  if (index !== text.length) return undefined
  const limit = 1n << BigInt(INT_BITS - (signed ? 1 : 0))
  const tooLarge = signed && sign < 0n ? result > limit : result >= limit
  if (tooLarge) return undefined
  return BigInt.asIntN(INT_BITS, sign * result)
}

/** OCaml's `bool_of_string`: exactly `true` or `false`. */
export function boolOfString(text: string): boolean | undefined {
  if (text === 'true') return true
  if (text === 'false') return false
  return undefined
}

/** A float as OCaml holds it: the sign of a NaN is kept because `string_of_float` prints it. */
export interface OcamlFloat {
  readonly value: number
  readonly negative: boolean
}

function makeFloat(value: number, negative = value < 0 || Object.is(value, -0)): OcamlFloat {
  return { value, negative }
}

/** OCaml's `float_of_string`; `undefined` where it raises `Failure`. */
export function floatOfString(text: string): OcamlFloat | undefined {
  let index = 0
  let sign = 1
  if (text[0] === '-') {
    sign = -1
    index = 1
  } else if (text[0] === '+') {
    index = 1
  }
  if (text[index] === '0' && (text[index + 1] === 'x' || text[index + 1] === 'X')) {
    const magnitude = caml_float_of_hex(text.slice(index + 2))
    return magnitude === undefined ? undefined : makeFloat(sign * magnitude)
  }
  const withoutUnderscores = text.replaceAll('_', '')
  if (withoutUnderscores === '') return undefined
  return strtodWhole(withoutUnderscores)
}

// OCaml runtime's hexadecimal float reader (the text after `0x`), '_' ignored.
function caml_float_of_hex(text: string): number | undefined {
  let mantissa = 0n
  let totalBits = 0
  let mantissaBits = 0
  let extraBits = 0
  let pointAt = -1
  let exponent = 0
  for (let index = 0; index < text.length; index++) {
    const char = text[index]
    if (char === '_') continue
    if (char === '.') {
      if (pointAt >= 0) return undefined
      pointAt = totalBits
      continue
    }
    if (char === 'p' || char === 'P') {
      const parsed = strtolWhole(text.slice(index + 1))
      if (parsed === undefined) return undefined
      if (parsed <= -2147483648) return 0
      if (parsed >= 2147483647) return mantissa === 0n ? 0 : Infinity
      exponent = parsed
      break
    }
    const digit = digitValue(char)
    if (digit < 0) return undefined
    totalBits += 4
    if (digit === 0 && mantissa === 0n) continue
    if (mantissaBits < 60) {
      mantissa = (mantissa << 4n) + BigInt(digit)
      mantissaBits += 4
    } else {
      if (digit !== 0) mantissa |= 1n
      extraBits += 4
    }
  }
  if (totalBits === 0) return undefined
  let adjust = extraBits
  if (pointAt >= 0) adjust += pointAt - totalBits
  return ldexp(Number(mantissa), exponent + adjust)
}

// C `strtol(s, &end, 10)` where the whole text must be consumed; `undefined` otherwise.
function strtolWhole(text: string): number | undefined {
  const match = /^[ \t\n\v\f\r]*([+-]?)(\d+)$/.exec(text)
  if (match === null) return undefined
  const magnitude = BigInt(match[2])
  const value = match[1] === '-' ? -magnitude : magnitude
  const clamped = value > 2n ** 63n - 1n ? 2n ** 63n - 1n : value < -(2n ** 63n) ? -(2n ** 63n) : value
  return Number(clamped)
}

/** C `ldexp`: one correct rounding, even when the result is subnormal. */
export function ldexp(value: number, exponent: number): number {
  if (value === 0 || !Number.isFinite(value)) return value
  let result = value
  let remaining = exponent
  while (remaining > 0 && Number.isFinite(result)) {
    const step = Math.min(remaining, 1000)
    result *= 2 ** step
    remaining -= step
  }
  while (remaining < 0) {
    const headroom = binaryExponentOf(result) + 1022
    if (headroom <= 0) break
    const step = Math.min(-remaining, headroom, 1000)
    result *= 2 ** -step
    remaining += step
  }
  if (remaining === 0) return result
  return -remaining >= 1074 ? result * 0 : result * 2 ** remaining
}

const C_SPACE = '[ \\t\\n\\v\\f\\r]*'
const DECIMAL = '(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?'
const HEX = '0[xX](?:[0-9a-fA-F]+\\.?[0-9a-fA-F]*|\\.[0-9a-fA-F]+)(?:[pP][+-]?\\d+)?'
const SPECIAL = '(?:inf(?:inity)?|nan(?:\\([0-9A-Za-z_]*\\))?)'
const STRTOD_WHOLE = new RegExp(`^${C_SPACE}([+-]?)(?:(${HEX})|(${DECIMAL})|(${SPECIAL}))$`, 'i')

// glibc `strtod` in the C locale where the whole text must be consumed.
function strtodWhole(text: string): OcamlFloat | undefined {
  const match = STRTOD_WHOLE.exec(text)
  if (match === null) return undefined
  const [, signText, hex, decimal, special] = match
  const sign = signText === '-' ? -1 : 1
  if (special !== undefined) {
    if (special[0].toLowerCase() === 'n') return makeFloat(NaN, sign < 0)
    return makeFloat(sign * Infinity)
  }
  if (decimal !== undefined) return makeFloat(sign * Number(decimal))
  return makeFloat(sign * hexLiteral(hex))
}

function hexLiteral(literal: string): number {
  const [, digits, exponentText] = /^0[xX]([^pP]*)(?:[pP](.*))?$/.exec(literal) as RegExpExecArray
  const [whole, fraction = ''] = digits.split('.')
  const mantissa = BigInt(`0x${whole}${fraction}` === '0x' ? '0' : `0x${whole}${fraction}`)
  const exponent = Number(exponentText ?? 0) - 4 * fraction.length
  return hexToDouble(mantissa, exponent)
}

// Correctly rounded mantissa * 2^exponent for an arbitrarily long mantissa.
function hexToDouble(mantissa: bigint, exponent: number): number {
  if (mantissa === 0n) return 0
  const bits = mantissa.toString(2).length
  if (bits <= 60) return ldexp(Number(mantissa), exponent)
  const drop = BigInt(bits - 60)
  const sticky = (mantissa & ((1n << drop) - 1n)) === 0n ? 0n : 1n
  return ldexp(Number((mantissa >> drop) | sticky), exponent + Number(drop))
}

/** OCaml's `string_of_float`: `%.12g`, plus a `.` when the result looks like an integer. */
export function stringOfFloat(float: OcamlFloat | number): string {
  const { value, negative } = typeof float === 'number' ? makeFloat(float) : float
  const printed = formatG12(value, negative)
  return /^[-0-9]*$/.test(printed) ? `${printed}.` : printed
}

const PRECISION = 12

function formatG12(value: number, negative: boolean): string {
  const sign = negative ? '-' : ''
  if (Number.isNaN(value)) return `${sign}nan`
  if (!Number.isFinite(value)) return `${sign}inf`
  if (value === 0) return `${sign}0`
  const { digits, exponent } = roundHalfEven(exactDecimal(Math.abs(value)), PRECISION)
  const mantissa = digits.replace(/0+$/, '') || '0'
  if (exponent < -4 || exponent >= PRECISION) {
    const fraction = mantissa.length > 1 ? `.${mantissa.slice(1)}` : ''
    const exponentDigits = String(Math.abs(exponent)).padStart(2, '0')
    return `${sign}${mantissa[0]}${fraction}e${exponent < 0 ? '-' : '+'}${exponentDigits}`
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${mantissa}`
  const integer = mantissa.slice(0, exponent + 1).padEnd(exponent + 1, '0')
  const fraction = mantissa.slice(exponent + 1)
  return fraction === '' ? `${sign}${integer}` : `${sign}${integer}.${fraction}`
}

interface Decimal {
  /** significant digits, no leading zero */
  digits: string
  /** decimal exponent of the first digit */
  exponent: number
}

interface DoubleParts {
  /** integer significand, 53 bits at most */
  mantissa: bigint
  /** value = mantissa * 2^exponent */
  exponent: number
}

function decompose(value: number): DoubleParts {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, value)
  const high = view.getUint32(0)
  const biasedExponent = (high >>> 20) & 0x7ff
  const fractionBits = (BigInt(high & 0xfffff) << 32n) | BigInt(view.getUint32(4))
  const mantissa = biasedExponent === 0 ? fractionBits : fractionBits | (1n << 52n)
  return { mantissa, exponent: (biasedExponent === 0 ? 1 : biasedExponent) - 1075 }
}

// floor(log2(|value|)) for a finite non-zero double, computed exactly.
function binaryExponentOf(value: number): number {
  const { mantissa, exponent } = decompose(value)
  return mantissa.toString(2).length - 1 + exponent
}

// The exact decimal expansion of a finite positive double.
function exactDecimal(value: number): Decimal {
  const { mantissa, exponent: binaryExponent } = decompose(value)
  if (binaryExponent >= 0) {
    const digits = (mantissa << BigInt(binaryExponent)).toString()
    return { digits, exponent: digits.length - 1 }
  }
  const digits = (mantissa * 5n ** BigInt(-binaryExponent)).toString()
  return { digits, exponent: digits.length - 1 + binaryExponent }
}

function roundHalfEven({ digits, exponent }: Decimal, precision: number): Decimal {
  if (digits.length <= precision) return { digits, exponent }
  const kept = BigInt(digits.slice(0, precision))
  const rest = digits.slice(precision)
  const half = rest[0] > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || kept % 2n === 1n))
  const rounded = (half ? kept + 1n : kept).toString()
  return rounded.length > precision
    ? { digits: rounded.slice(0, precision), exponent: exponent + 1 }
    : { digits: rounded, exponent }
}

/** OCaml's `compare` on strings: byte order (as `LC_ALL=C sort`). */
export function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}
