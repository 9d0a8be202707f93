// A real xo-server, built from the Xen Orchestra sources outside this repository (XO_SERVER_DIR, see
// docs/real-xo-server.md), started for a test run: its own Redis and xo-server on loopback, with a
// temporary config and data folder, whose plugin lookup path holds this checkout (a symlink named
// `xo-server-xapi-config`). The real xo-cli drives it as a child process; the REST API is reached with
// the token xo-cli registered.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, openSync, closeSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { capture, type CommandResult } from '../lab/hosts/run'

export const ADMIN = { email: 'admin@admin.net', password: 'admin' }
const START_TIMEOUT_MS = 120_000
/** No call of the suite takes this long (a restart of 3 hosts included); a hung xo-cli is killed. */
const CLI_TIMEOUT_MS = 10 * 60_000
/** xo-cli's sign-in while xo-server starts: a WebSocket opened too early can hang. */
const REGISTER_TIMEOUT_MS = 15_000

/** What is missing for `monorepo` to be a usable from-source checkout; undefined when it is one. */
export function checkoutProblem(monorepo: string): string | undefined {
  const needed = ['packages/xo-server/dist/cli.mjs', 'packages/xo-cli/index.mjs', 'node_modules']
  const missing = needed.filter(path => !existsSync(join(monorepo, path)))
  return missing.length === 0 ? undefined : `${monorepo} has no ${missing.join(', ')}: build xo-server and xo-cli there first`
}

export class RealXo {
  readonly url: string
  readonly dir: string
  readonly #monorepo: string
  readonly #redisPort: number
  #redis?: ChildProcess
  #server?: ChildProcess

  private constructor(monorepo: string, dir: string, port: number, redisPort: number) {
    this.#monorepo = monorepo
    this.dir = dir
    this.url = `http://127.0.0.1:${port}`
    this.#redisPort = redisPort
  }

  /**
   * Starts Redis and xo-server with `pluginDir` as the `xo-server-xapi-config` plugin, and registers xo-cli
   * as the admin; `webDist` (a built xo-web) is served at /v5.
   */
  static async start(monorepo: string, pluginDir: string, options: { webDist?: string } = {}): Promise<RealXo> {
    const dir = await mkdtemp(join(tmpdir(), 'real-xo-'))
    const xo = new RealXo(monorepo, dir, await freePort(), await freePort())
    try {
      await xo.#writeConfig(pluginDir, options.webDist)
      await xo.#startRedis()
      await xo.startServer()
      return xo
    } catch (error) {
      await xo.stop()
      throw error
    }
  }

  /** Starts xo-server (again) and waits until xo-cli can sign in as the admin. */
  async startServer(): Promise<void> {
    const log = openSync(join(this.dir, 'xo-server.log'), 'a')
    this.#server = spawn(process.execPath, ['dist/cli.mjs'], {
      cwd: join(this.#monorepo, 'packages/xo-server'),
      env: { ...process.env, XDG_CONFIG_HOME: join(this.dir, 'config') },
      stdio: ['ignore', log, log],
    })
    closeSync(log)
    const started = Date.now()
    for (;;) {
      if (this.#server.exitCode !== null) {
        throw new Error(`xo-server exited with ${this.#server.exitCode}; see ${join(this.dir, 'xo-server.log')}`)
      }
      if (await answersHttp(this.url)) {
        const { code } = await this.cli(['register', this.url, ADMIN.email, ADMIN.password], 'admin', REGISTER_TIMEOUT_MS)
        if (code === 0) {
          return
        }
      }
      if (Date.now() - started > START_TIMEOUT_MS) {
        throw new Error(`xo-server did not answer within ${START_TIMEOUT_MS / 1000} s; see ${join(this.dir, 'xo-server.log')}`)
      }
      await new Promise(resolve => setTimeout(resolve, 1000))
    }
  }

  async stopServer(): Promise<void> {
    await stopProcess(this.#server)
    this.#server = undefined
  }

  /** The real xo-cli, with its own configuration folder per `profile` (each one a registered user). */
  cli(args: readonly string[], profile = 'admin', timeoutMs = CLI_TIMEOUT_MS): Promise<CommandResult> {
    return capture(process.execPath, [join(this.#monorepo, 'packages/xo-cli/index.mjs'), ...args], {
      env: { XDG_CONFIG_HOME: join(this.dir, 'cli', profile) },
      timeoutMs,
    })
  }

  /** An API call through xo-cli (`--json`), params written as an admin types them (strings as is, the rest as `json:`). */
  async call<T = any>(method: string, params: Record<string, unknown> = {}, profile = 'admin'): Promise<T> {
    const result = await this.cli([method, '--json', ...toCliArgs(params)], profile)
    if (result.code !== 0) {
      throw Object.assign(new Error(`${method} failed (exit ${result.code}): ${result.stderr.trim()}`), { result })
    }
    return (result.stdout.trim() === '' ? undefined : JSON.parse(result.stdout)) as T
  }

  /** The authentication token xo-cli registered for `profile`. */
  async token(profile = 'admin'): Promise<string> {
    const config = JSON.parse(await readFile(join(this.dir, 'cli', profile, 'xo-cli', 'config.json'), 'utf8'))
    return config.token
  }

  /** A REST request with the `authenticationToken` cookie of `profile` (none with `null`). */
  async rest(method: string, path: string, options: { body?: unknown; profile?: string | null } = {}): Promise<{ status: number; headers: Headers; body: any }> {
    const profile = options.profile === undefined ? 'admin' : options.profile
    const headers: Record<string, string> = profile === null ? {} : { cookie: `authenticationToken=${await this.token(profile)}` }
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json'
    }
    const response = await fetch(new URL(path, this.url), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    })
    const text = await response.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body }
  }

  /** The last lines of xo-server's log (it logs each failed API call with its stack). */
  async logTail(lines: number): Promise<string> {
    const log = await readFile(join(this.dir, 'xo-server.log'), 'utf8').catch(() => '')
    return log.split('\n').slice(-lines).join('\n')
  }

  async stop(): Promise<void> {
    await stopProcess(this.#server)
    await stopProcess(this.#redis)
    await rm(this.dir, { recursive: true, force: true })
  }

  async #writeConfig(pluginDir: string, webDist: string | undefined): Promise<void> {
    const plugins = join(this.dir, 'plugins')
    await mkdir(plugins, { recursive: true })
    await symlink(pluginDir, join(plugins, 'xo-server-xapi-config'))
    await mkdir(join(this.dir, 'config', 'xo-server'), { recursive: true })
    await mkdir(join(this.dir, 'redis'))
    // Arrays are merged index by index with the vendor config: every slot of lookupPaths is set, so that
    // only this folder is scanned.
    const toml = [
      `datadir = '${join(this.dir, 'data')}'`,
      '[http.listen.0]',
      `hostname = '127.0.0.1'`,
      `port = ${new URL(this.url).port}`,
      '[redis]',
      `uri = 'redis://127.0.0.1:${this.#redisPort}/0'`,
      '[remoteOptions]',
      `mountsDir = '${join(this.dir, 'mounts')}'`,
      '[plugins]',
      `lookupPaths = ['${plugins}', '${plugins}', '${plugins}']`,
      ...(webDist === undefined ? [] : ['[http.mounts]', `'/v5' = '${webDist}'`]),
    ]
    await writeFile(join(this.dir, 'config', 'xo-server', 'config.toml'), toml.join('\n') + '\n')
  }

  async #startRedis(): Promise<void> {
    const args = ['--bind', '127.0.0.1', '--port', String(this.#redisPort), '--dir', join(this.dir, 'redis'), '--save', '', '--appendonly', 'no']
    this.#redis = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    this.#redis.stdout!.on('data', chunk => (output += chunk))
    this.#redis.stderr!.on('data', chunk => (output += chunk))
    const started = Date.now()
    while (!output.includes('Ready to accept connections')) {
      if (this.#redis.exitCode !== null || Date.now() - started > 20_000) {
        throw new Error(`redis-server did not start: ${output.slice(-500)}`)
      }
      await new Promise(resolve => setTimeout(resolve, 100))
    }
  }
}

/** xo-cli's `name=value` arguments: strings as is (xo-cli sends them as strings), anything else as `json:`. */
export function toCliArgs(params: Record<string, unknown>): string[] {
  return Object.entries(params).map(([name, value]) =>
    typeof value === 'string' && value !== 'true' && value !== 'false' && !value.startsWith('json:')
      ? `${name}=${value}`
      : `${name}=json:${JSON.stringify(value)}`,
  )
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
    return
  }
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  await exited
  clearTimeout(timer)
}

async function answersHttp(url: string): Promise<boolean> {
  try {
    await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5000) })
    return true
  } catch {
    return false
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
