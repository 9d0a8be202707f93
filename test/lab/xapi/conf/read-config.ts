// Reads a simulated host's /etc/xapi.conf and /etc/xapi.conf.d the way XAPI does at start-up
// (Xcp_service.read_config_file and Config_file.parse): the file, then every directory entry in
// byte order, line by line, the last assignment winning, the first bad value stopping XAPI.
import * as fs from 'node:fs'
import * as path from 'node:path'

import { boolOfString, failure, floatOfString, intOfString, OcamlException } from '../ocaml'
import { aliasesOf, DEFAULTS, isKnownKey, OPTION_KINDS, type OptionKind } from './options'

export type ConfValue = string | bigint | number | boolean | string[]

export type ConfigOutcome =
  | { started: true; values: Map<string, ConfValue> }
  | { started: false; exitCode: 1 | 2; stderr: string }

export interface ReadConfigOptions {
  /** The directory the host sees as /etc. */
  etcDir: string
  /** The host's xapi version, e.g. [26, 1, 3]: keys newer than it are unknown. */
  xapiVersion: readonly number[]
}

/** What XAPI does with its configuration files: start with these values, or exit. */
export function readXapiConfig(options: ReadConfigOptions): ConfigOutcome {
  const values = new Map<string, ConfValue>(
    [...DEFAULTS].map(([key, value]) => [key, Array.isArray(value) ? [...value] : value])
  )
  try {
    const reader = new ConfigReader(options, values)
    reader.readFileIfExists('/etc/xapi.conf')
    // config-dir is read here, so only /etc/xapi.conf (or the command line) can move it.
    const directory = values.get('config-dir') as string
    for (const entry of reader.listDirectory(directory)) reader.readFile(joinHostPath(directory, entry))
    return { started: true, values }
  } catch (error) {
    if (!(error instanceof OcamlException)) throw error
    return error.constructorName === 'Failure'
      ? { started: false, exitCode: 1, stderr: `${error.argument}\n` }
      : { started: false, exitCode: 2, stderr: `Fatal error: exception ${error.message}\n` }
  }
}

const joinHostPath = (directory: string, entry: string) => (directory.endsWith('/') ? directory + entry : `${directory}/${entry}`)

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ELOOP: 'Too many levels of symbolic links',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EIO: 'Input/output error',
}

class ConfigReader {
  constructor(
    private readonly options: ReadConfigOptions,
    private readonly values: Map<string, ConfValue>
  ) {}

  /** Host paths under /etc live in etcDir; anything else does not exist in the lab. */
  private localPath(hostPath: string): Buffer | undefined {
    if (hostPath !== '/etc' && !hostPath.startsWith('/etc/')) return undefined
    return Buffer.from(path.join(this.options.etcDir, hostPath.slice('/etc'.length)), 'latin1')
  }

  readFileIfExists(hostPath: string): void {
    const local = this.localPath(hostPath)
    if (local !== undefined && fs.existsSync(local)) this.readFile(hostPath)
  }

  /** `Sys.readdir` sorted with `compare`; any error gives an empty directory. */
  listDirectory(hostPath: string): string[] {
    const local = this.localPath(hostPath)
    if (local === undefined) return []
    try {
      return fs
        .readdirSync(local, { encoding: 'buffer' })
        .sort(Buffer.compare)
        .map(name => name.toString('latin1'))
    } catch {
      return []
    }
  }

  readFile(hostPath: string): void {
    for (const line of this.lines(hostPath)) {
      const pair = parseLine(line)
      if (pair !== undefined) this.apply(...pair)
    }
  }

  private lines(hostPath: string): string[] {
    let content: string
    try {
      const local = this.localPath(hostPath)
      if (local === undefined) throw Object.assign(new Error(hostPath), { code: 'ENOENT' })
      content = fs.readFileSync(local).toString('latin1')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EIO'
      const message = STRERROR[code] ?? code
      // open(2) errors name the file; a read error (a directory) does not.
      throw new OcamlException('Sys_error', code === 'EISDIR' ? message : `${hostPath}: ${message}`)
    }
    const lines = content.split('\n')
    if (lines.at(-1) === '') lines.pop()
    return lines
  }

  private apply(key: string, value: string): void {
    if (!isKnownKey(key, this.options.xapiVersion)) return
    const kind = OPTION_KINDS.get(key)!
    const current = this.values.get(key)
    const next = convert(kind, value, current)
    for (const name of aliasesOf(key)) this.values.set(name, next)
  }
}

// Config_file.parse_line: cut the comment, trim trailing blanks, find `key = value` anywhere
// (Emacs regex `\([^=\ \t]+\)[\ \t]*=[\ \t]*\(.*\)`: in brackets `\` is a literal backslash),
// then strip one pair of matching quotes.
const KEY_VALUE = /([^=\\ \t]+)[\\ \t]*=[\\ \t]*([^\n]*)/

export function parseLine(line: string): [string, string] | undefined {
  const hash = line.indexOf('#')
  const stripped = (hash === -1 ? line : line.slice(0, hash)).replace(/[ \t]+$/, '')
  const match = KEY_VALUE.exec(stripped)
  if (match === null) return undefined
  return [match[1]!, stripQuotes(match[2]!)]
}

function stripQuotes(value: string): string {
  if (value.length < 2) return value
  const first = value[0]
  return (first === '"' || first === "'") && value.at(-1) === first ? value.slice(1, -1) : value
}

// Astring's Char.Ascii.is_white: space, \t, \n, \v, \f, \r.
const asciiFields = (value: string) => value.split(/[ \t\n\v\f\r]+/).filter(word => word !== '')

function convert(kind: OptionKind, value: string, current: ConfValue | undefined): ConfValue {
  switch (kind) {
    case 'int':
      return intOfString(value)
    case 'float':
      return floatOfString(value)
    case 'bool':
      return boolOfString(value)
    case 'string':
      return value
    case 'word-list':
      return asciiFields(value)
    case 'vendor-id-list':
      return vendorIds(value)
    case 'module-set':
      return [...new Set([...((current as string[] | undefined) ?? []), ...value.split(' ').filter(name => name !== '')])]
    case 'search-path':
      return [...value.split(':'), ...((current as string[] | undefined) ?? [])]
    case 'firewall-backend':
      if (value !== 'firewalld' && value !== 'iptables') throw failure('Unknown firewall backend')
      return value
    case 'batching-delays':
      return batchingDelays(value)
  }
}

// Each word is read with Scanf "%4Lx"; the first bad word ends the list (the error is only logged).
function vendorIds(value: string): string[] {
  const ids: string[] = []
  for (const word of asciiFields(value)) {
    if (!/^[0-9a-f]/i.test(word)) break
    ids.push(word)
  }
  return ids
}

// Scanf "%f,%f" (approximated): two decimal floats separated by a comma, trailing text ignored.
const SCANF_FLOAT = String.raw`[-+]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][-+]?\d[\d_]*)?`
const SCANF_DELAYS = new RegExp(`^${SCANF_FLOAT},${SCANF_FLOAT}`)

function batchingDelays(value: string): string {
  if (!SCANF_DELAYS.test(value)) throw new OcamlException('Stdlib.Scanf.Scan_failure', 'scanf: bad input')
  return value
}
