// Append-only JSON Lines files (the journals): one record per line, appended with a single write and
// fsync. A crash can at worst leave a torn last line: readers skip lines that do not parse, and the next
// append starts on a fresh line, so earlier records are never damaged.
import { open, readFile, type FileHandle } from 'node:fs/promises'

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

/** The records of `text` that parse and pass `isRecord`, in order. */
export function parseJsonLines<T>(text: string, isRecord: (value: unknown) => value is T): T[] {
  const records: T[] = []
  for (const line of text.split('\n')) {
    const record = parseLine(line)
    if (isRecord(record)) {
      records.push(record)
    }
  }
  return records
}

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

/** The file's text, or '' when it does not exist yet. */
export async function readTextOrEmpty(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return ''
    }
    throw error
  }
}
