// What the plugin writes stays far below what it reads back (SFTP reads refuse files over 1 MiB), and
// every input is bounded before any work: names, keys and values are checked for length first, and an
// error quotes only a short prefix of what it refuses.

/** A file name in /etc/xapi.conf.d, in bytes (the usual NAME_MAX of Linux filesystems). */
export const MAX_NAME_BYTES = 255
/** No catalog key is longer than about 40 characters. */
export const MAX_KEY_LENGTH = 128
/** A value, in characters. */
export const MAX_VALUE_LENGTH = 4096
/** A line of a file the plugin writes, in bytes. */
export const MAX_LINE_BYTES = 8192
/** A file the plugin writes, in bytes. */
export const MAX_FILE_BYTES = 65536
/** Keys in one change. */
export const MAX_KEYS_PER_CHANGE = 256

const QUOTED_PREFIX = 48

/** `text` as JSON, cut to a short prefix with its full length when long: errors never echo a long input. */
export function quoteShort(text: string): string {
  if (text.length <= QUOTED_PREFIX) {
    return JSON.stringify(text)
  }
  return `${JSON.stringify(text.slice(0, QUOTED_PREFIX))}… (${text.length} characters)`
}

/** Why a value or key is too long, if it is. */
export function lengthProblem(what: string, text: string, limit: number): string | undefined {
  return text.length <= limit ? undefined : `${what} ${quoteShort(text)} is longer than the limit of ${limit} characters`
}
