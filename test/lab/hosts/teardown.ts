// Synchronous on purpose: the same code runs from stop(), from a process 'exit' handler (where
// nothing asynchronous runs any more) and when a later lab removes the leftovers of a dead one.
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs'

const KILL_WAIT_MS = 30_000

/**
 * Removes everything a lab created: its hosts' processes, then its folder. The lab mounts nothing
 * in the machine's namespace: its hosts' mounts vanish with their namespaces' last process.
 */
export function destroyLabDirectory(labDir: string): void {
  killLabProcesses(labDir)
  rmSync(labDir, { recursive: true, force: true })
}

/**
 * Kills every process living in one of the lab's mount namespaces (holders, sshd, SSH sessions).
 * A namespace belongs to the lab when its /etc overlay has its upper layer in the lab's folder,
 * which also holds after a crash, when no pid of the lab is known any more.
 */
export function killLabProcesses(labDir: string): void {
  const deadline = Date.now() + KILL_WAIT_MS
  for (let pids = findLabProcesses(labDir); pids.length > 0; pids = findLabProcesses(labDir)) {
    if (Date.now() > deadline) {
      throw new Error(`processes ${pids.join(', ')} of the lab in ${labDir} did not exit`)
    }
    pids.forEach(pid => signal(pid, 'SIGKILL'))
    sleepSync(20)
  }
}

export function findLabProcesses(labDir: string): number[] {
  const marker = `upperdir=${labDir}/`
  const ownNamespace = readlinkSync('/proc/self/ns/mnt')
  const pids: number[] = []
  for (const members of groupProcessesByMountNamespace().values()) {
    if (members.namespace !== ownNamespace && members.pids.some(pid => readProc(pid, 'mountinfo')?.includes(marker))) {
      pids.push(...members.pids)
    }
  }
  return pids
}

function groupProcessesByMountNamespace(): Map<string, { namespace: string; pids: number[] }> {
  const groups = new Map<string, { namespace: string; pids: number[] }>()
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    const namespace = Number.isInteger(pid) ? readNamespace(pid) : undefined
    if (namespace !== undefined) {
      const group = groups.get(namespace) ?? { namespace, pids: [] }
      group.pids.push(pid)
      groups.set(namespace, group)
    }
  }
  return groups
}

function readNamespace(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`)
  } catch {
    return undefined // exited, or a zombie
  }
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8')
  } catch {
    return undefined
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw error
    }
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}
