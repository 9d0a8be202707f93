import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { LAB_ROOT } from './layout'
import { destroyLabDirectory } from './teardown'

/** Second octets tried, in order, when the caller does not choose one (127.<octet>.<pool>.<host>). */
const FIRST_OCTET = 77
const LAST_OCTET = 126
const OWNER_FILE = 'owner.json'

export interface LabDirectory {
  /** The lab's id: its second address octet, also the name of its folder. */
  id: string
  secondOctet: number
  dir: string
}

interface Owner {
  pid: number
  startTime: string
}

/**
 * Creates the folder of a new lab, owned by this process. Under a machine-wide lock, it first
 * removes the labs whose owner process is dead, then takes the first free second octet.
 */
export async function claimLabDirectory(secondOctet?: number): Promise<LabDirectory> {
  mkdirSync(LAB_ROOT, { recursive: true })
  return withLock(join(LAB_ROOT, '.lock'), () => {
    removeStaleLabs()
    const octet = secondOctet ?? findFreeOctet()
    const dir = join(LAB_ROOT, String(octet))
    if (existsSync(dir)) {
      throw new Error(`a lab is already running on 127.${octet}.0.0/16 (${dir})`)
    }
    mkdirSync(dir)
    writeFileSync(join(dir, OWNER_FILE), JSON.stringify(ownerOf(process.pid)))
    return { id: String(octet), secondOctet: octet, dir }
  })
}

export function removeStaleLabs(): void {
  for (const entry of readdirSync(LAB_ROOT)) {
    const dir = join(LAB_ROOT, entry)
    if (/^\d+$/.test(entry) && !isOwnerAlive(dir)) {
      destroyLabDirectory(dir)
    }
  }
}

function findFreeOctet(): number {
  for (let octet = FIRST_OCTET; octet <= LAST_OCTET; octet++) {
    if (!existsSync(join(LAB_ROOT, String(octet)))) {
      return octet
    }
  }
  throw new Error(`no free lab slot: ${LAST_OCTET - FIRST_OCTET + 1} labs are running`)
}

function isOwnerAlive(dir: string): boolean {
  try {
    const owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as Owner
    return processStartTime(owner.pid) === owner.startTime
  } catch {
    return false
  }
}

// The start time tells a live owner from an unrelated process that reused its pid.
function ownerOf(pid: number): Owner {
  const startTime = processStartTime(pid)
  if (startTime === undefined) {
    throw new Error(`cannot read /proc/${pid}/stat`)
  }
  return { pid, startTime }
}

function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name, which is in parentheses and may hold spaces; starttime is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

/** Runs `task` while holding an exclusive flock(1) on `path`; the kernel releases it if we die. */
async function withLock<T>(path: string, task: () => T): Promise<T> {
  const holder = spawn('flock', ['--exclusive', path, 'sh', '-c', 'echo locked && exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const closed = new Promise(resolve => holder.once('close', resolve).once('error', resolve))
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout.once('data', () => resolve())
      holder.once('error', reject)
      holder.once('exit', code => reject(new Error(`flock ${path} exited with ${code}`)))
    })
    return task()
  } finally {
    holder.stdin.end()
    await closed
  }
}
