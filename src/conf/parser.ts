// XAPI's line parser (`Xcp_service.Config_file`), step for step:
// cut at the first '#', trim trailing spaces/tabs (not CR), unanchored KEY = VALUE search,
// strip one outer pair of matching quotes.

/** One `key = value` line as XAPI reads it. */
export interface Assignment {
  readonly key: string
  readonly value: string
  /** 1-based line number */
  readonly line: number
  /** Text before the key that XAPI skips (`foo bar = 1` is key `bar`, prefix `foo `). */
  readonly prefix: string
  /** The line holds a carriage return (a CRLF or CR-only file). */
  readonly hasCarriageReturn: boolean
  /** A '#' cut the line (quotes do not protect it). */
  readonly hadComment: boolean
}

// Emacs regex `\([^=\ \t]+\)[\ \t]*=[\ \t]*\(.*\)`: inside brackets the backslash is a
// literal, so backslashes count as separators around '=' and never belong to a key.
const KEY_VALUE = /([^=\\ \t]+)[\\ \t]*=[\\ \t]*(.*)/s

export function trimComment(line: string): string {
  const hash = line.indexOf('#')
  return hash === -1 ? line : line.slice(0, hash)
}

export function trimTrailingWhitespace(line: string): string {
  return line.replace(/[ \t]+$/, '')
}

export function stripQuotes(value: string): string {
  if (value.length < 2) return value
  const first = value[0]
  const quoted = first === value[value.length - 1] && (first === '"' || first === "'")
  return quoted ? value.slice(1, -1) : value
}

/** Parses one line (without its '\n'); `undefined` when XAPI ignores it. */
export function parseLine(text: string, line = 1): Assignment | undefined {
  const stripped = trimTrailingWhitespace(trimComment(text))
  const match = KEY_VALUE.exec(stripped)
  if (match === null) return undefined
  return {
    key: match[1],
    value: stripQuotes(match[2]),
    line,
    prefix: stripped.slice(0, match.index),
    hasCarriageReturn: text.includes('\r'),
    hadComment: text.includes('#'),
  }
}

/** Splits like OCaml's `input_line`: on '\n' only, no empty last line after a final '\n'. */
export function splitLines(text: string): string[] {
  if (text === '') return []
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** Every assignment of a file, in order, with line numbers. */
export function parseFile(text: string): Assignment[] {
  const assignments: Assignment[] = []
  splitLines(text).forEach((lineText, index) => {
    const assignment = parseLine(lineText, index + 1)
    if (assignment !== undefined) assignments.push(assignment)
  })
  return assignments
}

/** Lines of a file that hold a carriage return (1-based). */
export function carriageReturnLines(text: string): number[] {
  return splitLines(text).flatMap((lineText, index) => (lineText.includes('\r') ? [index + 1] : []))
}
