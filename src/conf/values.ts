// What XAPI does with one `key = value` of a known key: the conversion its option spec applies,
// whether that stops XAPI, and the value it then holds (printed as XAPI prints it).
import type { CatalogEntry } from './catalog-types'
import { boolOfString, compareStrings, floatOfString, intOfString, stringOfFloat } from './ocaml'

/** What XAPI holds for a key: the printed value and, for lists, the items. */
export interface KeyState {
  readonly printed: string
  readonly items: readonly string[]
}

export type Applied =
  /** The value is taken; `note` says what XAPI silently dropped or changed. */
  | { readonly outcome: 'set'; readonly state: KeyState; readonly note?: string }
  /** XAPI logs and keeps the previous value. */
  | { readonly outcome: 'ignored'; readonly note: string }
  /** XAPI stops: status 1 for a `Failure`, 2 for an uncaught exception; `stderr` is its message. */
  | { readonly outcome: 'fatal'; readonly exit: 1 | 2; readonly stderr: string }

const INT_FAILURE: Applied = { outcome: 'fatal', exit: 1, stderr: 'int_of_string' }
const FLOAT_FAILURE: Applied = { outcome: 'fatal', exit: 1, stderr: 'float_of_string' }
const BOOL_FAILURE: Applied = {
  outcome: 'fatal',
  exit: 2,
  stderr: 'Fatal error: exception Invalid_argument("bool_of_string")',
}
const SCAN_FAILURE: Applied = { outcome: 'fatal', exit: 2, stderr: 'Fatal error: exception Stdlib.Scanf.Scan_failure' }

// Mtime spans are floats of nanoseconds below 2^53: about 104 days.
const MAX_SPAN_NS = 2 ** 53

const scalar = (printed: string): Applied => ({ outcome: 'set', state: { printed, items: [] } })

export function initialState(entry: CatalogEntry): KeyState {
  const isList = entry.type === 'list' && entry.default !== ''
  return { printed: entry.default, items: isList ? splitItems(entry, entry.default) : [] }
}

/** Applies `value` to a key whose current state is `state`, as XAPI's option spec does. */
export function applyValue(entry: CatalogEntry, state: KeyState, value: string): Applied {
  if (entry.format === 'delay-pair') return applyDelayPair(value)
  switch (entry.type) {
    case 'int':
      return applyInt(value)
    case 'float':
      return applyFloat(value)
    case 'bool':
      return boolOfString(value) === undefined ? BOOL_FAILURE : scalar(value)
    case 'duration':
      return entry.durationOf === 'int' ? applyInt(value) : applyBoundedSeconds(value)
    case 'enumeration':
      return applyChoice(entry, value)
    case 'list':
      return applyList(entry, state, value)
    case 'string':
    case 'path':
      return scalar(value)
  }
}

function applyInt(value: string): Applied {
  const parsed = intOfString(value)
  return parsed === undefined ? INT_FAILURE : scalar(parsed.toString())
}

function applyFloat(value: string): Applied {
  const parsed = floatOfString(value)
  return parsed === undefined ? FLOAT_FAILURE : scalar(stringOfFloat(parsed))
}

function isSpan(seconds: number): boolean {
  const nanoseconds = Math.round(seconds * 1e9)
  return nanoseconds >= 0 && nanoseconds < MAX_SPAN_NS
}

function applyBoundedSeconds(value: string): Applied {
  const parsed = floatOfString(value)
  if (parsed === undefined) return FLOAT_FAILURE
  if (!isSpan(parsed.value)) return { outcome: 'ignored', note: 'XAPI ignores durations that are negative or of 104 days or more' }
  return scalar(stringOfFloat(parsed))
}

// One float as OCaml's Scanf "%f" reads it: the token, then float_of_string on it.
const SCANF_FLOAT = /^[+-]?[0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9][0-9_]*)?/

function scanFloat(text: string): { value: number; rest: string } | undefined {
  const token = (SCANF_FLOAT.exec(text) as RegExpExecArray)[0]
  const rest = text.slice(token.length)
  // an exponent mark must be followed by digits
  if (!/[eE]/.test(token) && /^[eE]/.test(rest)) return undefined
  const parsed = floatOfString(token)
  return parsed === undefined ? undefined : { value: parsed.value, rest }
}

function applyDelayPair(value: string): Applied {
  const before = scanFloat(value)
  if (before === undefined || before.rest[0] !== ',') return SCAN_FAILURE
  const between = scanFloat(before.rest.slice(1))
  if (between === undefined) return SCAN_FAILURE
  if (!isSpan(before.value) || !isSpan(between.value)) {
    return { outcome: 'ignored', note: 'XAPI ignores delays that are negative or of 104 days or more' }
  }
  const seconds = (value: number) => (Math.round(value * 1e9) * 1e-9).toFixed(6)
  return scalar(`${seconds(before.value)},${seconds(between.value)}`)
}

function applyChoice(entry: CatalogEntry, value: string): Applied {
  const word = entry.caseInsensitive === true ? value.toLowerCase() : value
  const choice = entry.synonyms?.[word] ?? word
  if (entry.values?.includes(choice) === true) return scalar(choice)
  switch (entry.onUnknownValue) {
    case 'fail':
      // firewall-backend, the one such key: XAPI's `failwith "Unknown firewall backend"`
      return { outcome: 'fatal', exit: 1, stderr: `Unknown ${entry.key.replace(/-/g, ' ')}` }
    case 'default':
      return { outcome: 'set', state: initialState(entry), note: `XAPI reads "${value}" as ${entry.default}` }
    default:
      return { outcome: 'ignored', note: `XAPI ignores "${value}": expected one of ${entry.values?.join(', ')}` }
  }
}

const SEPARATORS = { whitespace: /[ \t\n\v\f\r]+/, space: / /, colon: /:/, comma: /,/ } as const
/** How XAPI prints a list of each kind. */
export const LIST_JOINERS = { whitespace: ' ', space: ' ', colon: ':', comma: ',' } as const

function splitItems(entry: CatalogEntry, value: string): string[] {
  const separator = entry.separator ?? 'whitespace'
  const pieces = value.split(SEPARATORS[separator])
  // whitespace and space lists drop empty words; colon and comma lists keep them
  return separator === 'whitespace' || separator === 'space' ? pieces.filter(piece => piece !== '') : pieces
}

function listState(entry: CatalogEntry, items: readonly string[]): KeyState {
  const shown = entry.accumulation === 'union' || entry.allowedItems !== undefined ? [...new Set(items)].sort(compareStrings) : items
  return { printed: shown.join(LIST_JOINERS[entry.separator ?? 'whitespace']), items }
}

const isPciVendorId = (item: string) => /^[0-9A-Fa-f]/.test(item)

interface Filtered {
  readonly items: readonly string[]
  readonly note?: string
}

// XAPI parses the items in order inside one `try`: the first bad id ends the list.
function keepUntilBadPciId(items: readonly string[]): Filtered {
  const bad = items.findIndex(item => !isPciVendorId(item))
  if (bad === -1) return { items }
  return { items: items.slice(0, bad), note: `XAPI stops reading the list at "${items[bad]}", not a hexadecimal PCI vendor id` }
}

function keepAllowed(allowed: readonly string[], items: readonly string[]): Filtered {
  const dropped = items.filter(item => item !== '' && !allowed.includes(item))
  const kept = items.filter(item => allowed.includes(item))
  return dropped.length === 0 ? { items: kept } : { items: kept, note: `XAPI drops unknown items: ${dropped.join(', ')}` }
}

function readItems(entry: CatalogEntry, value: string): Filtered {
  if (entry.allowedItems !== undefined) return keepAllowed(entry.allowedItems, value === '' ? [] : splitItems(entry, value))
  const items = splitItems(entry, value)
  return entry.itemFormat === 'pci-vendor-id' ? keepUntilBadPciId(items) : { items }
}

function applyList(entry: CatalogEntry, state: KeyState, value: string): Applied {
  const { items, note } = readItems(entry, value)
  const combined =
    entry.accumulation === 'union' ? [...state.items, ...items] : entry.accumulation === 'prepend' ? [...items, ...state.items] : items
  const applied: Applied = { outcome: 'set', state: listState(entry, combined) }
  return note === undefined ? applied : { ...applied, note }
}
