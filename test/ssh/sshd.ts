// A throwaway OpenSSH server for the tests: its own host key, key authentication for root with a
// generated client key, a scratch directory standing in for the host's `/`, and its log in memory.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export const SSHD_ADDRESS = '127.79.0.1'

export interface SshdOptions {
  /** A shell script every session runs instead of what the client asked (ForceCommand; SFTP then fails). */
  forceCommandScript?: string
}

export interface TestSshd {
  address: string
  port: number
  /** The host key's fingerprint as `ssh-keygen -lf` prints it. */
  fingerprint: string
  /** A private key root may log in with. */
  clientKey: string
  /** Scratch directory the tests use as the host's `/` (HostAccess `root` option). */
  root: string
  /** Directory of the server's own files. */
  dir: string
  log(): string
  /** Successful logins so far (one per SSH connection). */
  logins(): number
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the processes serving the open connections: a hung host. */
  freezeSessions(frozen: boolean): Promise<void>
  /** Stops sshd and every session it serves, then starts it again on the same port with the same key. */
  restart(): Promise<void>
  stop(): Promise<void>
}

export async function startSshd(options: SshdOptions = {}): Promise<TestSshd> {
  const dir = await mkdtemp(join(tmpdir(), 'xo-ssh-test-'))
  const root = join(dir, 'root')
  await mkdir(root)
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 }) // sshd's privilege separation directory
  const fingerprint = await generateKey(join(dir, 'host_key'))
  await generateKey(join(dir, 'client_key'))
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_key.pub')))
  const port = await freePort(SSHD_ADDRESS)
  if (options.forceCommandScript !== undefined) {
    await writeFile(join(dir, 'force-command'), options.forceCommandScript, { mode: 0o755 })
  }
  const config = join(dir, 'sshd_config')
  await writeFile(config, sshdConfig(dir, port, options.forceCommandScript !== undefined))
  let server = await spawnSshd(config)
  let earlierLog = ''
  return {
    address: SSHD_ADDRESS,
    port,
    fingerprint,
    clientKey: await readFile(join(dir, 'client_key'), 'utf8'),
    root,
    dir,
    log: () => earlierLog + server.log,
    logins: () => (earlierLog + server.log).split('\n').filter(line => line.includes('Accepted publickey')).length,
    async freezeSessions(frozen) {
      for (const pid of await descendants(server.process.pid as number)) {
        process.kill(pid, frozen ? 'SIGSTOP' : 'SIGCONT')
      }
    },
    async restart() {
      for (const pid of await descendants(server.process.pid as number)) {
        process.kill(pid, 'SIGKILL')
      }
      await stopProcess(server.process)
      earlierLog += server.log
      server = await spawnSshd(config)
    },
    async stop() {
      await stopProcess(server.process)
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** A TCP listener that accepts connections and never says a word (a hung host). */
export async function startSilentListener(): Promise<{ port: number; stop: () => Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>()
  const server = createServer(socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await listen(server, 0, SSHD_ADDRESS)
  return {
    port: (server.address() as { port: number }).port,
    stop: () => {
      sockets.forEach(socket => socket.destroy())
      return new Promise(resolve => server.close(() => resolve()))
    },
  }
}

/** A port on which nothing listens (bound then released). */
export async function freePort(address = SSHD_ADDRESS): Promise<number> {
  const server = createServer()
  await listen(server, 0, address)
  const { port } = server.address() as { port: number }
  await new Promise(resolve => server.close(resolve))
  return port
}

async function descendants(pid: number): Promise<number[]> {
  const { stdout } = await run('ps', ['-e', '-o', 'pid=,ppid='])
  const children = new Map<number, number[]>()
  for (const [child, parent] of stdout.trim().split('\n').map(line => line.trim().split(/\s+/).map(Number))) {
    children.set(parent, [...(children.get(parent) ?? []), child])
  }
  const found: number[] = []
  const pending = [...(children.get(pid) ?? [])]
  while (pending.length > 0) {
    const next = pending.pop() as number
    found.push(next)
    pending.push(...(children.get(next) ?? []))
  }
  return found
}

async function generateKey(file: string): Promise<string> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', file])
  await chmod(file, 0o600)
  const { stdout } = await run('ssh-keygen', ['-l', '-f', `${file}.pub`])
  return stdout.split(' ')[1]
}

function sshdConfig(dir: string, port: number, forceCommand: boolean): string {
  return [
    `ListenAddress ${SSHD_ADDRESS}:${port}`,
    `HostKey ${join(dir, 'host_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    // the test client's key, then the keys installed in the scratch root's copy of the user's home
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')} ${join(dir, 'root')}%h/.ssh/authorized_keys`,
    'PermitRootLogin yes',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'LogLevel VERBOSE',
    'MaxStartups 100',
    'MaxSessions 50',
    'Subsystem sftp internal-sftp -l VERBOSE',
    ...(forceCommand ? [`ForceCommand ${join(dir, 'force-command')}`] : []),
    '',
  ].join('\n')
}

async function spawnSshd(config: string): Promise<{ process: ChildProcess; log: string }> {
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  const server = { process: child, log: '' }
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      server.log += chunk.toString('utf8')
      if (server.log.includes('Server listening on')) {
        resolve()
      }
    })
    child.once('exit', code => reject(new Error(`sshd exited with ${code}:\n${server.log}`)))
  })
  return server
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve()
  }
  return new Promise(resolve => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

function listen(server: Server, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, address, () => resolve())
  })
}
