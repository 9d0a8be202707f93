// One authenticated SSH connection to one host: connect (host key verified before anything else happens),
// one shared SFTP channel opened on first use, and exec channels for the fixed commands.
import { Client, type AnyAuthMethod, type ClientChannel, type ConnectConfig, type KeyboardInteractiveAuthMethod, type SFTPWrapper } from 'ssh2'
import { withTimeout } from '../util/timeout'
import { connectBatching } from './batching-socket'
import { HostAccessError, seconds, type SshHost } from './errors'
import type { HostKeyStore } from './host-key-store'
import { signingKey } from './signing-key'

export interface Credentials {
  username: string
  /** Secret: used for password and keyboard-interactive authentication, never logged nor put in errors. */
  password?: string
  /** Secret: an OpenSSH or PEM private key. */
  privateKey?: string | Buffer
}

export interface ConnectOptions {
  credentials: Credentials
  hostKeys: HostKeyStore
  port: number
  connectMs: number
}

export interface CommandResult {
  /** null when the command was ended by a signal. */
  exitCode: number | null
  signal?: string
  stdout: string
  stderr: string
}

const KEEPALIVE_MS = 15_000
const KEEPALIVE_COUNT_MAX = 3
const CLOSE_GRACE_MS = 2_000
/** Kept per stream: the end of a command's output (where errors are) if it prints more. */
const OUTPUT_TAIL_CHARS = 256 * 1024

export class HostConnection {
  readonly host: SshHost
  readonly #client: Client
  #sftp: Promise<SFTPWrapper> | undefined
  #closed = false
  readonly #closeListeners: Array<() => void> = []

  private constructor(host: SshHost, client: Client) {
    this.host = host
    this.#client = client
    // A reset or a server that hung up shows as 'error' or 'end' before 'close': the connection is lost from then on.
    const lost = () => (this.#closed = true)
    client.on('error', lost)
    client.once('end', lost)
    client.once('close', () => {
      this.#closed = true
      this.#closeListeners.forEach(listener => listener())
    })
  }

  static async open(host: SshHost, options: ConnectOptions): Promise<HostConnection> {
    const client = new Client()
    try {
      await withTimeout(handshake(client, host, options), options.connectMs, () => connectTimeout(host, options))
    } catch (error) {
      client.destroy()
      throw error
    }
    return new HostConnection(host, client)
  }

  get closed(): boolean {
    return this.#closed
  }

  onClose(listener: () => void): void {
    this.#closeListeners.push(listener)
  }

  /** The connection's SFTP channel, opened on first use and shared by every caller. */
  sftp(timeoutMs: number): Promise<SFTPWrapper> {
    this.#sftp ??= withTimeout(this.#openSftp(), timeoutMs, () => {
      this.destroy()
      return new HostAccessError('TIMEOUT', `the SFTP subsystem did not start within ${seconds(timeoutMs)}`, {
        host: this.host,
      })
    }).catch(error => {
      this.#sftp = undefined
      throw error
    })
    return this.#sftp
  }

  /** Runs one command line; on timeout its channel is closed (the command may still run on the host). */
  exec(command: string, timeoutMs: number): Promise<CommandResult> {
    let channel: ClientChannel | undefined
    const run = new Promise<CommandResult>((resolve, reject) => {
      this.#client.exec(command, (error, stream) => {
        if (error) {
          reject(this.#failure(`could not start ${command}`, error))
          return
        }
        channel = stream
        collectResult(stream, command, this.host).then(resolve, reject)
      })
    })
    return withTimeout(run, timeoutMs, () => {
      channel?.close()
      return new HostAccessError(
        'TIMEOUT',
        `${command} did not finish within ${seconds(timeoutMs)}; it may still be running on the host`,
        { host: this.host, data: { command } }
      )
    })
  }

  /** Ends the connection politely, then forcefully if the server does not close it in time. */
  async close(): Promise<void> {
    if (this.#closed) {
      return
    }
    const closed = new Promise<void>(resolve => this.onClose(resolve))
    this.#client.end()
    const timer = setTimeout(() => this.destroy(), CLOSE_GRACE_MS)
    await closed
    clearTimeout(timer)
  }

  destroy(): void {
    this.#client.destroy()
  }

  #failure(what: string, error: Error): HostAccessError {
    return new HostAccessError('IO', `${what}: ${error.message}`, { host: this.host, cause: error })
  }

  #openSftp(): Promise<SFTPWrapper> {
    return new Promise((resolve, reject) => {
      this.#client.sftp((error, sftp) => {
        if (error) {
          reject(this.#failure('the SFTP subsystem could not start', error))
          return
        }
        sftp.once('close', () => (this.#sftp = undefined))
        resolve(sftp)
      })
    })
  }
}

function handshake(client: Client, host: SshHost, { credentials, hostKeys, port }: ConnectOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    let refusedKey: HostAccessError | undefined
    client.on('error', () => undefined) // errors after the first one (always followed by 'close') are not news
    client.once('ready', resolve)
    client.once('error', error => reject(refusedKey ?? connectError(host, error, credentials.username)))
    client.once('close', () =>
      reject(refusedKey ?? unreachable(host, 'the server closed the connection during the SSH handshake'))
    )
    let authHandler: AnyAuthMethod[]
    try {
      authHandler = authMethods(credentials)
    } catch (error) {
      // before any socket is opened; ssh2's message names the problem, not the key's content
      const reason = (error as Error).message
      reject(new HostAccessError('NOT_CONFIGURED', `the SSH private key cannot be used: ${reason}`, { host }))
      return
    }
    const config: ConnectConfig = {
      sock: connectBatching(host.address, port),
      username: credentials.username,
      authHandler,
      readyTimeout: 0, // the caller's timer covers TCP connect, handshake and authentication at once
      keepaliveInterval: KEEPALIVE_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        hostKeys.verify(host, key).then(
          () => verify(true),
          (error: unknown) => {
            refusedKey = error instanceof HostAccessError ? error : new HostAccessError('IO', String(error), { host })
            verify(false)
          }
        )
      },
    }
    client.connect(config) // a synchronous throw rejects this promise
  })
}

// The key first: a wrong password then costs nothing when the plugin's key is installed.
function authMethods({ username, password, privateKey }: Credentials): AnyAuthMethod[] {
  const methods: AnyAuthMethod[] = []
  if (privateKey) {
    methods.push({ type: 'publickey', username, key: signingKey(privateKey) })
  }
  if (password) {
    const answer: KeyboardInteractiveAuthMethod['prompt'] = (_name, _instructions, _language, prompts, finish) =>
      finish(prompts.map(() => password))
    methods.push({ type: 'password', username, password }, { type: 'keyboard-interactive', username, prompt: answer })
  }
  return methods
}

function collectResult(stream: ClientChannel, command: string, host: SshHost): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    let exit: { exitCode: number | null; signal?: string } | undefined
    stream.on('data', (chunk: Buffer) => (stdout = keepTail(stdout + chunk.toString('utf8'))))
    stream.stderr.on('data', (chunk: Buffer) => (stderr = keepTail(stderr + chunk.toString('utf8'))))
    stream.on('exit', (code: number | null, signal?: string) => {
      exit = code === null ? { exitCode: null, signal } : { exitCode: code }
    })
    stream.on('close', () => {
      if (exit === undefined) {
        const message = `the connection was lost while ${command} was running`
        reject(new HostAccessError('IO', message, { host, data: { command } }))
      } else {
        resolve({ ...exit, stdout, stderr })
      }
    })
  })
}

function keepTail(text: string): string {
  return text.length > OUTPUT_TAIL_CHARS ? text.slice(-OUTPUT_TAIL_CHARS) : text
}

function connectError(host: SshHost, error: Error & { level?: string; code?: string }, username: string): HostAccessError {
  switch (error.level) {
    case 'client-authentication':
      return new HostAccessError(
        'AUTH_FAILED',
        `SSH authentication failed for user "${username}": check the user and password in the plugin settings, ` +
          "or install the plugin's public key on this host",
        { host, data: { username } }
      )
    case 'client-socket':
    case 'client-dns':
      return unreachable(
        host,
        `cannot connect (${error.code ?? error.message}): check the address and that sshd is running`,
        error
      )
    default:
      return new HostAccessError('IO', `the SSH connection failed: ${error.message}`, { host, cause: error })
  }
}

function unreachable(host: SshHost, message: string, cause?: Error): HostAccessError {
  return new HostAccessError('UNREACHABLE', message, { host, cause })
}

function connectTimeout(host: SshHost, { port, connectMs }: ConnectOptions): HostAccessError {
  return new HostAccessError(
    'CONNECT_TIMEOUT',
    `no SSH session within ${seconds(connectMs)} on port ${port}: ` +
      'the host may be down, filtered by a firewall, or overloaded',
    { host }
  )
}
