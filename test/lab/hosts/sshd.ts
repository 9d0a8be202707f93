import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync, statSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'

import type { HostLayout } from './layout'
import { inNamespace, SSHD_ARGV, type HostNamespace } from './namespace'

const START_TIMEOUT_MS = 15_000
const STOP_TIMEOUT_MS = 5_000
const POLL_MS = 10

/**
 * Debian's OpenSSH server of one host, in the foreground inside the host's namespace, logging to
 * a file. The namespace's setup starts the first one; later ones are started from here. Either
 * way it is known by its pid file, /run/sshd.pid inside the host.
 */
export class SshServer {
  constructor(
    private readonly namespace: HostNamespace,
    private readonly address: string,
    private readonly layout: Pick<HostLayout, 'sshdLogPath' | 'sshdPidPath'>
  ) {}

  async start(): Promise<void> {
    if (this.#pid() !== undefined) {
      return
    }
    const log = openSync(this.layout.sshdLogPath, 'a')
    const logStart = statSync(this.layout.sshdLogPath).size
    const [command, args] = inNamespace(this.namespace, SSHD_ARGV)
    const child = spawn(command, args, { stdio: ['ignore', log, log] })
    closeSync(log)
    const ended = new Promise<never>((_, reject) => {
      child.once('error', reject)
      child.once('exit', code => reject(new Error(`sshd of ${this.address} exited with ${code} (${this.layout.sshdLogPath})`)))
    })
    ended.catch(() => undefined) // only an end before listening matters
    await Promise.race([this.waitUntilListening(logStart), ended])
  }

  /** Stops the listener only, as `systemctl stop sshd` does: open sessions stay. */
  async stop(): Promise<void> {
    const pid = this.#pid()
    if (pid === undefined) {
      return
    }
    process.kill(pid, 'SIGTERM')
    const deadline = Date.now() + STOP_TIMEOUT_MS
    while (isAlive(pid)) {
      if (Date.now() > deadline) {
        throw new Error(`sshd ${pid} of ${this.address} did not stop`)
      }
      await delay(POLL_MS)
    }
  }

  /** As `systemctl is-active sshd`: true while its process runs. */
  isActive(): boolean {
    return this.#pid() !== undefined
  }

  /** sshd logs this line once its socket listens (probing the port would cost an sshd fork and exec per probe). */
  async waitUntilListening(logStart = 0): Promise<void> {
    const listening = `Server listening on ${this.address} port 22.`
    const deadline = Date.now() + START_TIMEOUT_MS
    for (let log = ''; !log.includes(listening); log = this.#readLog(logStart)) {
      if (log.includes('fatal:') || Date.now() > deadline) {
        throw new Error(`sshd did not start on ${this.address}: ${log.trim().split('\n').slice(-3).join('\n')}`)
      }
      await delay(POLL_MS)
    }
  }

  /** The running sshd's pid; none when the pid file is missing or names a process that is not sshd. */
  #pid(): number | undefined {
    try {
      const pid = Number(readFileSync(this.layout.sshdPidPath, 'utf8'))
      return isAlive(pid) && readFileSync(`/proc/${pid}/comm`, 'utf8') === 'sshd\n' ? pid : undefined
    } catch {
      return undefined
    }
  }

  #readLog(from: number): string {
    return readFileSync(this.layout.sshdLogPath).subarray(from).toString('utf8')
  }
}

/** True while the process exists and is not a zombie (a zombie no longer holds the port). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat[stat.lastIndexOf(')') + 2] !== 'Z'
  } catch {
    return false
  }
}
