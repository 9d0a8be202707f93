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
// literal, so backslashes count as separators around '=' and never belong to a key. The unanchored
// search is done by hand, in linear time: as a JavaScript regex it is quadratic on a long line without
// '=' (8 KiB took 0.2 s, 1 MiB minutes).
const isSeparator = (char: string) => char === '\\' || char === ' ' || char === '\t'
const isKeyChar = (char: string) => char !== '=' && !isSeparator(char)

/**
 * The leftmost match of the regex: the first '=' with a key right before it (separators allowed
 * between them). An earlier '=' without a key before it cannot match, and the key before a later '='
 * starts after the earlier one, so the first such '=' gives the leftmost match.
 */
function findKeyValue(text: string): { index: number; key: string; value: string } | undefined {
  for (let equals = text.indexOf('='); equals !== -1; equals = text.indexOf('=', equals + 1)) {
    let keyEnd = equals
    while (keyEnd > 0 && isSeparator(text[keyEnd - 1])) keyEnd--
    let keyStart = keyEnd
    while (keyStart > 0 && isKeyChar(text[keyStart - 1])) keyStart--
    if (keyStart < keyEnd) {
      let valueStart = equals + 1
      while (valueStart < text.length && isSeparator(text[valueStart])) valueStart++
      return { index: keyStart, key: text.slice(keyStart, keyEnd), value: text.slice(valueStart) }
    }
  }
  return undefined
}

export function trimComment(line: string): string {
  const hash = line.indexOf('#')
  return hash === -1 ? line : line.slice(0, hash)
}

/** Linear, unlike `/[ \t]+$/` on a long run of spaces that does not end the line. */
export function trimTrailingWhitespace(line: string): string {
  let end = line.length
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--
  return line.slice(0, end)
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
  const match = findKeyValue(stripped)
  if (match === undefined) return undefined
  return {
    key: match.key,
    value: stripQuotes(match.value),
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
