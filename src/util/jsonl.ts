// Append-only JSON Lines files (the journals): one record per line, appended with a single write and
// fsync. A crash can at worst leave a torn last line: readers skip lines that do not parse, and the next
// append starts on a fresh line, so earlier records are never damaged.
import { open, readFile, type FileHandle } from 'node:fs/promises'
import { setImmediate as nextTurn } from 'node:timers/promises'

export async function appendLine(path: string, line: string): Promise<void> {
  const file = await open(path, 'a+', 0o600)
  try {
    const { size } = await file.stat()
    const tornTail = size > 0 && !(await endsWithNewline(file, size))
    await file.write(tornTail ? '\n' + line : line)
    await file.sync()
  } finally {
    await file.close()
  }
}

async function endsWithNewline(file: FileHandle, size: number): Promise<boolean> {
  const last = Buffer.alloc(1)
  await file.read(last, 0, 1, size - 1)
  return last[0] === 0x0a
}

/**
 * The records of the file that parse and pass `isRecord`, in order; none when it does not exist yet. The
 * bytes are read off the event loop and decoded and parsed a line at a time, a few milliseconds per turn
 * of the event loop: a journal of years does not hold xo-server.
 */
export async function readJsonLines<T>(path: string, isRecord: (value: unknown) => value is T): Promise<T[]> {
  const bytes = await readOrEmpty(path)
  const records: T[] = []
  let sliceStart = Date.now()
  for (let start = 0; start < bytes.length; ) {
    const newline = bytes.indexOf(NEWLINE, start)
    const end = newline === -1 ? bytes.length : newline
    const record = parseLine(bytes.toString('utf8', start, end))
    if (isRecord(record)) {
      records.push(record)
    }
    start = end + 1
    if (Date.now() - sliceStart >= PARSE_SLICE_MS) {
      await nextTurn()
      sliceStart = Date.now()
    }
  }
  return records
}

const NEWLINE = 0x0a
const PARSE_SLICE_MS = 10

function parseLine(line: string): unknown {
  if (line.trim() === '') {
    return undefined
  }
  try {
    return JSON.parse(line)
  } catch {
    return undefined // a line torn by a crash
  }
}

async function readOrEmpty(path: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return Buffer.alloc(0)
    }
    throw error
  }
}
