import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'

import { inNamespace, type HostNamespace } from './namespace'

const SSH_PORT = 22
const START_TIMEOUT_MS = 15_000

/** Debian's OpenSSH server, run in the foreground inside a host's namespace; logs go to a file. */
export class SshServer {
  #process: ChildProcess | undefined
  #exited: Promise<void> = Promise.resolve()

  constructor(
    private readonly namespace: HostNamespace,
    private readonly address: string,
    private readonly logPath: string
  ) {}

  get running(): boolean {
    return this.#process !== undefined
  }

  async start(): Promise<void> {
    if (this.#process !== undefined) {
      return
    }
    const log = openSync(this.logPath, 'a')
    const [command, args] = inNamespace(this.namespace, ['/usr/sbin/sshd', '-D', '-e', '-f', '/etc/ssh/sshd_config'])
    const child = spawn(command, args, { stdio: ['ignore', log, log] })
    closeSync(log)
    this.#process = child
    this.#exited = new Promise(resolve =>
      child.once('exit', () => {
        this.#process = undefined
        resolve()
      })
    )
    await this.#waitForBanner()
  }

  /** Stops the listener only, as `systemctl stop sshd` does: open sessions stay. */
  async stop(): Promise<void> {
    this.#process?.kill('SIGTERM')
    await this.#exited
  }

  async #waitForBanner(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS
    while (!(await hasSshBanner(this.address))) {
      if (!this.running || Date.now() > deadline) {
        const log = readFileSync(this.logPath, 'utf8').trim().split('\n').slice(-5).join('\n')
        await this.stop()
        throw new Error(`sshd did not start on ${this.address}:${SSH_PORT}: ${log}`)
      }
      await delay(20)
    }
  }
}

function hasSshBanner(address: string): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect({ host: address, port: SSH_PORT })
    const settle = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.once('data', data => settle(data.toString('latin1').startsWith('SSH-2.0-')))
    socket.once('error', () => settle(false))
    socket.setTimeout(2000, () => settle(false))
  })
}
