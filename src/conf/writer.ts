// The writer policy: what Xen Orchestra may write into a drop-in, stricter than XAPI, and the
// managed file itself. Whatever it writes parses back to the same values.
import { catalogEntry, keysSharingVariable, type CatalogEntry } from './catalog'
import { compareNames } from './effective'
import { lengthProblem, MAX_KEY_LENGTH, MAX_VALUE_LENGTH, quoteShort } from './limits'
import { intOfString } from './ocaml'
import { parseFile } from './parser'
import { suggestKey } from './suggest'
import { LIST_JOINERS } from './values'
import { isKnownToVersion, parseVersion } from './version'

/** Sorts after every vendor drop-in (ssh-auto-mode.conf, tracing.conf, xcpng-ntp.conf...). */
export const DEFAULT_MANAGED_FILE = 'zz-xo-xapi-config.conf'

export const MANAGED_HEADER = [
  '# Managed by Xen Orchestra (xo-server-xapi-config): changes made by hand are overwritten.',
  '# XAPI reads this file when it starts: restart the toolstack to apply a change.',
]

/** Whether a file's text is a file Xen Orchestra manages (it starts with the managed header). */
export function isManagedFile(text: string): boolean {
  return text.startsWith(`${MANAGED_HEADER[0]}\n`)
}

const SAFE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.conf$/

export function isSafeFileName(name: string): boolean {
  return SAFE_FILE_NAME.test(name)
}

export type ChangeValue = string | number | boolean | readonly string[] | null

/** New values by key; null removes the key from the managed file. */
export type ConfChange = Readonly<Record<string, ChangeValue>>

export interface ValidateOptions {
  /** allow expert keys */
  readonly expert?: boolean
  /** the XAPI version of the target host(s): keys it does not read are refused */
  readonly xapiVersion?: string
}

export type ChangeIssueCode = 'unknown-key' | 'forbidden' | 'expert-only' | 'unknown-to-version' | 'invalid-value' | 'alias-conflict'

export interface ChangeIssue {
  readonly key: string
  readonly code: ChangeIssueCode
  readonly message: string
  readonly suggestion?: string
}

export interface ChangeValidation {
  readonly ok: boolean
  readonly issues: readonly ChangeIssue[]
  /** the accepted values as they will be written; null = remove */
  readonly settings: Readonly<Record<string, string | null>>
}

const PLAIN_INTEGER = /^-?(0|[1-9][0-9]*)$/
const PLAIN_DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/
const PLAIN_DELAY_PAIR = /^(0|[1-9][0-9]*)(\.[0-9]+)?,(0|[1-9][0-9]*)(\.[0-9]+)?$/
const LIST_ITEM = { whitespace: /^[^\s]+$/, space: /^[^\s]+$/, colon: /^[^\s:]+$/, comma: /^[^\s,]+$/ } as const

const listItemError = (item: string) => `list items must be non-empty and hold no whitespace or separator: ${quoteShort(item)}`

// A literal for the key, or the reason it is refused.
type Literal = { value: string } | { error: string }

function toText(value: Exclude<ChangeValue, null>, entry: CatalogEntry): Literal {
  if (Array.isArray(value)) {
    if (entry.type !== 'list') return { error: 'a list is accepted for list keys only' }
    const separator = entry.separator ?? 'whitespace'
    const bad = value.find(item => typeof item !== 'string' || !LIST_ITEM[separator].test(item))
    if (bad !== undefined) return { error: listItemError(String(bad)) }
    return { value: value.join(LIST_JOINERS[separator]) }
  }
  return { value: String(value) }
}

function checkNumber(text: string, entry: CatalogEntry, integer: boolean): string | undefined {
  if (!(integer ? PLAIN_INTEGER : PLAIN_DECIMAL).test(text)) {
    return integer ? 'expected a plain decimal integer such as 3600 (no unit, exponent, sign + or _)' : 'expected a plain decimal number such as 172800 or 0.5 (no unit or exponent)'
  }
  if (integer && intOfString(text) === undefined) return 'out of the range of XAPI integers'
  if (entry.minimum !== undefined && Number(text) < entry.minimum) return `must be ${entry.minimum} or more`
  if (entry.maximum !== undefined && Number(text) > entry.maximum) return `must be ${entry.maximum} or less`
  return undefined
}

function checkList(text: string, entry: CatalogEntry): string | undefined {
  const separator = entry.separator ?? 'whitespace'
  if (text === '') return undefined
  const items = text.split(LIST_JOINERS[separator])
  const bad = items.find(item => !LIST_ITEM[separator].test(item))
  if (bad !== undefined) return listItemError(bad)
  if (entry.itemFormat === 'pci-vendor-id') {
    const badId = items.find(item => !/^[0-9A-Fa-f]{1,4}$/.test(item))
    if (badId !== undefined) return `not a PCI vendor id (1 to 4 hex digits): ${quoteShort(badId)}`
  }
  const unknown = items.find(item => entry.allowedItems !== undefined && !entry.allowedItems.includes(item))
  return unknown === undefined ? undefined : `unknown item ${quoteShort(unknown)}: expected ${entry.allowedItems?.join(', ')}`
}

function checkTyped(text: string, entry: CatalogEntry): string | undefined {
  if (entry.format === 'delay-pair') return PLAIN_DELAY_PAIR.test(text) ? undefined : 'expected <seconds>,<seconds> such as 0.05,0.05'
  switch (entry.type) {
    case 'int':
      return checkNumber(text, entry, true)
    case 'float':
      return checkNumber(text, entry, false)
    case 'duration':
      return checkNumber(text, entry, entry.durationOf === 'int')
    case 'bool':
      return text === 'true' || text === 'false' ? undefined : 'expected true or false'
    case 'enumeration':
      return entry.values?.includes(text) === true ? undefined : `expected one of ${entry.values?.join(', ')}`
    case 'list':
      return checkList(text, entry)
    default:
      return undefined
  }
}

/** Characters no value may hold: '#' starts a comment, CR/LF/NUL break the line. */
function checkCharacters(text: string): string | undefined {
  const bad = /[#\r\n\0]/.exec(text)
  return bad === null ? undefined : `a value cannot hold ${JSON.stringify(bad[0])}`
}

function refusal(key: string, code: ChangeIssueCode, message: string, suggestion?: string): ChangeIssue {
  return suggestion === undefined ? { key, code, message } : { key, code, message, suggestion }
}

function unknownKey(key: string): ChangeIssue {
  const suggestion = suggestKey(key)
  const hint = suggestion === undefined ? '' : `; did you mean ${suggestion}?`
  return refusal(key, 'unknown-key', `${quoteShort(key)} is not an XAPI configuration key${hint}`, suggestion)
}

function checkKey(key: string, entry: CatalogEntry, options: ValidateOptions): ChangeIssue | undefined {
  if (entry.class === 'forbidden') return refusal(key, 'forbidden', `${key} is not managed by Xen Orchestra: ${entry.reason ?? 'forbidden'}`)
  if (entry.class === 'expert' && options.expert !== true) {
    return refusal(key, 'expert-only', `${key} needs the expert flag: ${entry.reason ?? 'expert key'}`)
  }
  const version = options.xapiVersion === undefined ? undefined : parseVersion(options.xapiVersion)
  if (version !== undefined && !isKnownToVersion(entry, version)) {
    return refusal(key, 'unknown-to-version', `${key} needs XAPI ${entry.since} or later; the host runs ${options.xapiVersion}`)
  }
  return undefined
}

// Two names of one XAPI setting (max_spans and max-spans) in one change: which wins is not obvious.
function aliasConflicts(change: ConfChange): ChangeIssue[] {
  const keys = Object.keys(change).filter(key => change[key] !== null)
  return keys.flatMap(key => {
    const other = keysSharingVariable(key).find(alias => alias !== key && keys.includes(alias))
    return other === undefined || compareNames(key, other) < 0 ? [] : [refusal(key, 'alias-conflict', `${key} and ${other} set the same XAPI setting: set one of them`)]
  })
}

function invalid(key: string, error: string): ChangeIssue {
  return refusal(key, 'invalid-value', `${key}: ${error}`)
}

function validateSetting(key: string, value: Exclude<ChangeValue, null>, options: ValidateOptions): { issue: ChangeIssue } | { literal: string } {
  const tooLong = lengthProblem('the key', key, MAX_KEY_LENGTH)
  if (tooLong !== undefined) return { issue: refusal(quoteShort(key), 'unknown-key', tooLong) }
  const entry = catalogEntry(key)
  if (entry === undefined) return { issue: unknownKey(key) }
  const keyIssue = checkKey(key, entry, options)
  if (keyIssue !== undefined) return { issue: keyIssue }
  // callers from JavaScript (API parameters) may pass anything
  if (!['string', 'number', 'boolean'].includes(typeof value) && !Array.isArray(value)) {
    return { issue: invalid(key, 'expected a string, a number, a boolean or a list of strings') }
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return { issue: invalid(key, 'expected a finite number') }
  const text = toText(value, entry)
  if ('error' in text) return { issue: invalid(key, text.error) }
  const valueTooLong = lengthProblem('the value', text.value, MAX_VALUE_LENGTH)
  if (valueTooLong !== undefined) return { issue: invalid(key, valueTooLong) }
  const error = checkCharacters(text.value) ?? checkTyped(text.value, entry)
  return error === undefined ? { literal: text.value } : { issue: invalid(key, error) }
}

function removedKey(key: string): { issue: ChangeIssue } | { literal: null } {
  const tooLong = lengthProblem('the key', key, MAX_KEY_LENGTH)
  return tooLong === undefined ? { literal: null } : { issue: refusal(quoteShort(key), 'unknown-key', tooLong) }
}

/** Checks a change against the catalog and the writer policy. */
export function validateChange(change: ConfChange, options: ValidateOptions = {}): ChangeValidation {
  const issues: ChangeIssue[] = []
  const settings: Record<string, string | null> = {}
  for (const [key, value] of Object.entries(change)) {
    const result = value === null ? removedKey(key) : validateSetting(key, value, options)
    if ('issue' in result) issues.push(result.issue)
    else settings[key] = result.literal
  }
  issues.push(...aliasConflicts(change))
  return { ok: issues.length === 0, issues, settings }
}

// The parser eats spaces, tabs and backslashes after '=', trims trailing spaces and tabs and
// strips one pair of matching quotes: such values are written inside double quotes.
function needsQuotes(value: string): boolean {
  const wrapped = value.length >= 2 && value[0] === value[value.length - 1] && (value[0] === '"' || value[0] === "'")
  return value === '' || /^[ \t\\]|[ \t]$/.test(value) || wrapped
}

function renderLine(key: string, value: string): string {
  const problem = checkCharacters(value)
  if (problem !== undefined) throw new TypeError(`${key}: ${problem}`)
  return `${key} = ${needsQuotes(value) ? `"${value}"` : value}`
}

/** The managed file for these settings: header, one `key = value` per key in byte order, LF endings. */
export function renderManagedFile(settings: Readonly<Record<string, string>>): string {
  const keys = Object.keys(settings).sort(compareNames)
  return [...MANAGED_HEADER, ...keys.map(key => renderLine(key, settings[key]))].join('\n') + '\n'
}

/** The values a managed file holds (the last assignment of each key). */
export function readManagedFile(text: string): Record<string, string> {
  return Object.fromEntries(parseFile(text).map(({ key, value }) => [key, value]))
}

/** Applies validated settings (null removes a key) to the current managed file, if any. */
export function mergeManagedFile(current: string | undefined, settings: Readonly<Record<string, string | null>>): string {
  const merged: Record<string, string> = current === undefined ? {} : readManagedFile(current)
  for (const [key, value] of Object.entries(settings)) {
    // a key replaces its aliases too (max_spans and max-spans set one XAPI setting)
    for (const alias of keysSharingVariable(key)) delete merged[alias]
    if (value !== null) merged[key] = value
  }
  return renderManagedFile(merged)
}
