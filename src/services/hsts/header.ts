// Strict-Transport-Security as a browser reads it (RFC 6797 §6.1 and §8.1): the first header of a response
// is processed, the others are ignored; a header that breaks the grammar is ignored as a whole.
//
//   value      = [ directive ] *( ";" [ directive ] )
//   directive  = OWS name [ OWS "=" OWS ( token / quoted-string ) ] OWS
//
// Directive names are case-insensitive and may appear only once; `max-age` (delta-seconds) is required;
// `includeSubDomains` and `preload` take no value; unknown directives are ignored.

export interface StsPolicy {
  maxAge: number
  includeSubDomains: boolean
  preload: boolean
}

export type StsHeaderReading =
  | { state: 'absent' }
  | StsFieldReading & {
      /** Every STS header of the response, exactly as received, in order; only the first counts. */
      received: string[]
    }

export type StsFieldReading =
  | { state: 'valid'; policy: StsPolicy; ignoredDirectives: string[] }
  | { state: 'invalid'; problem: string }

const HEADER_NAME = 'strict-transport-security'
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+"
const QUOTED_STRING = '"(?:[^"\\\\]|\\\\.)*"'
/** One directive and the `;` after it (or the end); sticky, so it scans the value from left to right. */
const DIRECTIVE = new RegExp(`[ \\t]*(?:(${TOKEN})(?:[ \\t]*=[ \\t]*(${TOKEN}|${QUOTED_STRING}))?)?[ \\t]*(?:;|$)`, 'y')
const DELTA_SECONDS = /^[0-9]+$/
/** Known directives that take no value, by lower-case name. */
const VALUELESS = new Map([
  ['includesubdomains', 'includeSubDomains'],
  ['preload', 'preload'],
])

interface Directive {
  name: string
  value?: string
}

/** Reads the STS headers of a response from node's `rawHeaders` (name, value, name, value…). */
export function readStsHeaders(rawHeaders: readonly string[]): StsHeaderReading {
  const received: string[] = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() === HEADER_NAME) {
      received.push(rawHeaders[i + 1])
    }
  }
  return received.length === 0 ? { state: 'absent' } : { ...parseStsField(received[0]), received }
}

/** Parses one Strict-Transport-Security field value. */
export function parseStsField(value: string): StsFieldReading {
  const scanned = scanDirectives(value)
  if (typeof scanned === 'string') {
    return { state: 'invalid', problem: scanned }
  }
  const directives = new Map<string, string | undefined>()
  for (const { name, value } of scanned) {
    const key = name.toLowerCase()
    if (directives.has(key)) {
      return { state: 'invalid', problem: `the directive \`${name}\` appears more than once` }
    }
    directives.set(key, value)
  }
  const problem = checkKnownDirectives(directives)
  if (problem !== undefined) {
    return { state: 'invalid', problem }
  }
  return {
    state: 'valid',
    policy: {
      maxAge: Number(directives.get('max-age')),
      includeSubDomains: directives.has('includesubdomains'),
      preload: directives.has('preload'),
    },
    ignoredDirectives: scanned.map(({ name }) => name).filter(name => !isKnown(name)),
  }
}

/** The directives of a field value, or what breaks the grammar. */
function scanDirectives(value: string): Directive[] | string {
  const directives: Directive[] = []
  let position = 0
  while (position < value.length) {
    DIRECTIVE.lastIndex = position
    const match = DIRECTIVE.exec(value)
    if (match === null) {
      return `\`${value.slice(position).split(';')[0].trim()}\` is not a valid directive`
    }
    position = DIRECTIVE.lastIndex
    if (match[1] !== undefined) {
      directives.push({ name: match[1], value: match[2] === undefined ? undefined : unquote(match[2]) })
    }
  }
  return directives
}

function checkKnownDirectives(directives: ReadonlyMap<string, string | undefined>): string | undefined {
  if (!directives.has('max-age')) {
    return 'the required `max-age` directive is missing'
  }
  const maxAge = directives.get('max-age')
  if (maxAge === undefined || !DELTA_SECONDS.test(maxAge)) {
    return `\`max-age\` must be a number of seconds (digits only), got ${maxAge === undefined ? 'no value' : `\`${maxAge}\``}`
  }
  for (const [key, name] of VALUELESS) {
    if (directives.get(key) !== undefined) {
      return `\`${name}\` takes no value`
    }
  }
  return undefined
}

function isKnown(name: string): boolean {
  const key = name.toLowerCase()
  return key === 'max-age' || VALUELESS.has(key)
}

function unquote(value: string): string {
  return value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value
}
