// Helpers for the simulator's own tests: temporary host directories, a self-signed certificate
// per run, pools of hosts on 127.78.x.y (the hosts engineer's labs use 127.77.x.y).
import { execFile, execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import * as https from 'node:https'
import * as os from 'node:os'
import * as path from 'node:path'

import type { SimHost, SimPool, SoftwareVersion } from '../contract'

export const XCPNG_83: SoftwareVersion = {
  product_version: '8.3.0',
  product_brand: 'XCP-ng',
  platform_version: '3.4.0',
  xapi: '26.1',
  xapi_build: '26.1.3',
  xen: '4.17.5',
  hostname: 'lab',
}

export const XCPNG_82: SoftwareVersion = {
  ...XCPNG_83,
  product_version: '8.2.1',
  platform_version: '3.2.1',
  xapi: '1.249',
  xapi_build: '1.249.41',
  xen: '4.13.5',
}

export const CREDENTIALS = { username: 'root', password: 'lab-password' }

/** XCP-ng's patched /etc/xapi.conf sets this (reference §1.8); the upstream default is true. */
const XCPNG_XAPI_CONF = 'website-https-only = false\n'

export const XO_LITE_PAGE = '<!doctype html><title>XO Lite</title>\n'

export class LabFixture {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-sim-test-'))
  readonly tls: { cert: string; key: string }

  constructor() {
    const key = path.join(this.root, 'key.pem')
    const cert = path.join(this.root, 'cert.pem')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=xapi-sim-test',
      '-keyout', key, '-out', cert], { stdio: 'ignore' })
    this.tls = { cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8') }
  }

  /** A pool of `hostCount` hosts at 127.78.`subnet`.1…, the first one its master. */
  pool(subnet: number, hostCount: number): SimPool {
    const poolUuid = randomUUID()
    const hosts = Array.from({ length: hostCount }, (_, index) => this.host(`${subnet}-${index + 1}`, `127.78.${subnet}.${index + 1}`))
    return { uuid: poolUuid, name_label: `sim pool ${subnet}`, hosts, credentials: CREDENTIALS }
  }

  etcFile(host: SimHost, relative: string, content: string): void {
    fs.writeFileSync(path.join(host.etcDir, relative), content)
  }

  removeEtcFile(host: SimHost, relative: string): void {
    fs.rmSync(path.join(host.etcDir, relative), { force: true })
  }

  cleanUp(): void {
    fs.rmSync(this.root, { recursive: true, force: true })
  }

  private host(name: string, address: string): SimHost {
    const uuid = randomUUID()
    const dir = path.join(this.root, `${name}-${uuid}`)
    const etcDir = path.join(dir, 'etc')
    const runDir = path.join(dir, 'run')
    const wwwDir = path.join(dir, 'www')
    for (const directory of [path.join(etcDir, 'xapi.conf.d'), runDir, wwwDir]) fs.mkdirSync(directory, { recursive: true })
    fs.writeFileSync(path.join(etcDir, 'xapi.conf'), XCPNG_XAPI_CONF)
    fs.writeFileSync(path.join(wwwDir, 'index.html'), XO_LITE_PAGE)
    return { uuid, name_label: `host ${name}`, address, etcDir, runDir, wwwDir, tls: this.tls, softwareVersion: { ...XCPNG_83 } }
  }
}

/** `curl` with arguments (asynchronously: the simulator runs in this process), returning its stdout. */
export function curl(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['--silent', '--show-error', '--max-time', '10', ...args], (error, stdout, stderr) =>
      error === null ? resolve(stdout) : reject(new Error(`curl ${args.join(' ')}: ${stderr || error.message}`))
    )
  })
}

export async function eventually<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      return await probe()
    } catch (error) {
      lastError = error
    }
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting for ${what}: ${String(lastError)}`)
}

/** One JSON-RPC 2.0 call over HTTPS, returning the parsed answer as is. */
export function jsonRpc(address: string, method: string, params: unknown[]): Promise<unknown> {
  const body = JSON.stringify({ id: 0, jsonrpc: '2.0', method, params })
  return new Promise((resolve, reject) => {
    const options = { host: address, port: 443, path: '/jsonrpc', method: 'POST', rejectUnauthorized: false }
    const req = https.request(options, res => {
      let text = ''
      res.on('data', chunk => (text += chunk))
      res.on('end', () => resolve(JSON.parse(text)))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Logs in on the master and calls `method`, returning its result (or throwing the XAPI error). */
export async function callAsRoot(address: string, method: string, ...params: unknown[]): Promise<unknown> {
  const login = (await jsonRpc(address, 'session.login_with_password', [CREDENTIALS.username, CREDENTIALS.password])) as { result: string }
  const answer = (await jsonRpc(address, method, [login.result, ...params])) as { result?: unknown; error?: unknown }
  if (answer.error !== undefined) throw new Error(`${method}: ${JSON.stringify(answer.error)}`)
  return answer.result
}
