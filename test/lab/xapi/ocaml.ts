// OCaml standard-library conversions as XAPI's configuration reader uses them (OCaml runtime
// `parse_intnat`, `caml_float_of_string`, `bool_of_string`, `string_of_float`). Strings are
// "byte strings": one JS char per byte (latin1), as OCaml sees a file's bytes.

/** An OCaml exception: `Failure` makes XAPI exit 1, anything else is uncaught and exits 2. */
export class OcamlException extends Error {
  constructor(
    readonly constructorName: string,
    readonly argument?: string
  ) {
    super(argument === undefined ? constructorName : `${constructorName}(${ocamlQuote(argument)})`)
  }
}

export const failure = (message: string): OcamlException => new OcamlException('Failure', message)

// Printexc prints string arguments the way OCaml's %S does.
function ocamlQuote(text: string): string {
  const escaped = [...text]
    .map(char => {
      if (char === '"' || char === '\\') return '\\' + char
      const code = char.charCodeAt(0)
      if (char === '\n') return '\\n'
      if (char === '\t') return '\\t'
      if (char === '\r') return '\\r'
      return code < 0x20 || code > 0x7e ? '\\' + String(code).padStart(3, '0') : char
    })
    .join('')
  return `"${escaped}"`
}

const OCAML_INT_BITS = 63n
const UINT64_MAX = (1n << 64n) - 1n

function digitValue(char: string | undefined): number {
  if (char === undefined) return -1
  const lower = char.toLowerCase()
  if (lower >= '0' && lower <= '9') return lower.charCodeAt(0) - 48
  if (lower >= 'a' && lower <= 'f') return lower.charCodeAt(0) - 87
  return -1
}

const BASE_PREFIXES: Record<string, number> = { x: 16, o: 8, b: 2, u: 10 }

/** `int_of_string`: sign, 0x/0o/0b/0u prefixes, `_` after the first digit, 63-bit range. */
export function intOfString(text: string): bigint {
  const fail = () => failure('int_of_string')
  let position = 0
  let negative = false
  if (text[0] === '-' || text[0] === '+') {
    negative = text[0] === '-'
    position = 1
  }
  let base = 10
  let signed = true
  const prefixBase = text[position] === '0' ? BASE_PREFIXES[(text[position + 1] ?? '').toLowerCase()] : undefined
  if (prefixBase !== undefined) {
    base = prefixBase
    signed = false
    position += 2
  }
  const first = digitValue(text[position])
  if (first < 0 || first >= base) throw fail()
  let value = BigInt(first)
  for (position++; position < text.length; position++) {
    if (text[position] === '_') continue
    const digit = digitValue(text[position])
    if (digit < 0 || digit >= base) throw fail()
    value = value * BigInt(base) + BigInt(digit)
    if (value > UINT64_MAX) throw fail()
  }
  const limit = 1n << (OCAML_INT_BITS - 1n)
  if (signed ? (negative ? value > limit : value >= limit) : value >= 1n << OCAML_INT_BITS) throw fail()
  // Unsigned notations wrap into the 63-bit int, as the runtime's tagging does.
  return BigInt.asIntN(Number(OCAML_INT_BITS), negative ? -value : value)
}

// glibc strtod on the whole (underscore-free) string, C locale; leading white space is allowed.
const STRTOD_SYNTAX =
  /^[ \t\n\v\f\r]*([+-]?)(?:(\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)|(inf(?:inity)?)|(nan(?:\([a-z0-9_]*\))?)|0x([0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p([+-]?\d+))?)$/i
// OCaml's own hexadecimal path (sign, `0x` already removed): the exponent goes through strtol.
const OCAML_HEX_SYNTAX = /^([0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p[ \t\n\v\f\r]*([+-]?\d+))?$/i

function hexFloat(mantissa: string, exponent: string | undefined): number {
  const [whole, fraction = ''] = mantissa.split('.')
  const digits = (whole ?? '') + fraction
  const binaryExponent = Number(exponent ?? 0) - 4 * fraction.length
  let value = Number(BigInt('0x' + (digits === '' ? '0' : digits)))
  // Scale in steps so intermediate powers of two stay representable.
  for (let remaining = binaryExponent; remaining !== 0; ) {
    const step = Math.max(-1000, Math.min(1000, remaining))
    value *= 2 ** step
    remaining -= step
  }
  return value
}

/** `float_of_string`: `_` dropped anywhere, OCaml hex floats, then strtod on the rest. */
export function floatOfString(text: string): number {
  const fail = () => failure('float_of_string')
  const buffer = text.replaceAll('_', '')
  if (buffer === '') throw fail()
  const sign = buffer[0] === '-' ? -1 : 1
  const unsigned = buffer[0] === '-' || buffer[0] === '+' ? buffer.slice(1) : buffer
  if (/^0x/i.test(unsigned)) {
    const hex = OCAML_HEX_SYNTAX.exec(unsigned.slice(2))
    if (hex === null) throw fail()
    return sign * hexFloat(hex[1]!, hex[2])
  }
  const match = STRTOD_SYNTAX.exec(buffer)
  if (match === null) throw fail()
  const [, signText, decimal, infinity, , hexMantissa, hexExponent] = match
  const strtodSign = signText === '-' ? -1 : 1
  if (decimal !== undefined) return strtodSign * Number(decimal)
  if (infinity !== undefined) return strtodSign * Infinity
  if (hexMantissa !== undefined) return strtodSign * hexFloat(hexMantissa, hexExponent)
  return NaN
}

export function boolOfString(text: string): boolean {
  if (text === 'true') return true
  if (text === 'false') return false
  throw new OcamlException('Invalid_argument', 'bool_of_string')
}

// Significant digits (no dot) and decimal exponent of |value|, exact to 100 digits.
function decimalDigits(value: number): { digits: string; exponent: number } {
  const [mantissa, exponentText] = Math.abs(value).toExponential(99).split('e')
  return { digits: mantissa!.replace('.', ''), exponent: Number(exponentText) }
}

// Round a digit string to `precision` digits, half to even as glibc's printf does on exact ties.
function roundDigits(digits: string, precision: number): { digits: string; carry: boolean } {
  const kept = digits.slice(0, precision)
  const rest = digits.slice(precision)
  const tie = /^50*$/.test(rest)
  const roundUp = rest[0]! > '5' || (rest[0] === '5' && (!tie || Number(kept.at(-1)) % 2 === 1))
  if (!roundUp) return { digits: kept, carry: false }
  const incremented = (BigInt(kept) + 1n).toString()
  return incremented.length > precision
    ? { digits: incremented.slice(0, precision), carry: true }
    : { digits: incremented, carry: false }
}

/** C's `%.12g`. */
function formatG12(value: number): string {
  const precision = 12
  if (Number.isNaN(value)) return 'nan'
  if (!Number.isFinite(value)) return value < 0 ? '-inf' : 'inf'
  const sign = value < 0 || Object.is(value, -0) ? '-' : ''
  if (value === 0) return sign + '0'
  const exact = decimalDigits(value)
  const rounded = roundDigits(exact.digits, precision)
  const exponent = exact.exponent + (rounded.carry ? 1 : 0)
  const trimFraction = (text: string) => (text.includes('.') ? text.replace(/\.?0+$/, '') : text)
  if (exponent < -4 || exponent >= precision) {
    const mantissa = trimFraction(rounded.digits[0] + '.' + rounded.digits.slice(1))
    const exponentText = String(Math.abs(exponent)).padStart(2, '0')
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${exponentText}`
  }
  const padded = exponent < 0 ? '0'.repeat(-exponent) + rounded.digits : rounded.digits
  const pointAt = exponent < 0 ? 1 : exponent + 1
  return sign + trimFraction(padded.slice(0, pointAt) + '.' + padded.slice(pointAt))
}

/** `string_of_float`: `%.12g`, plus a trailing `.` when the result would read as an int. */
export function stringOfFloat(value: number): string {
  const text = formatG12(value)
  return /^-?\d+$/.test(text) ? text + '.' : text
}
