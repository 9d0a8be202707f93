import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as delay } from 'node:timers/promises'

import { portAnswers } from './hosts/port'
import { startLab, type LabManifest } from './index'

const REPOSITORY = join(__dirname, '..', '..')
const CLI = join(__dirname, 'cli.ts')

describe('lab life cycle', function () {
  let scratch: string

  before(async function () {
    scratch = await mkdtemp(join(tmpdir(), 'lab-lifecycle-'))
  })

  after(async function () {
    await rm(scratch, { recursive: true, force: true })
  })

  it('stops without leaving a process, a mount, a listener or a folder behind', async function () {
    const lab = await startLab({ pools: 1, hostsPerPool: 2 })
    const addresses = lab.hosts.map(host => host.address)
    assert.ok(processesUsing(lab.dir).length >= 2 * addresses.length) // a namespace holder and an sshd per host
    await Promise.all(addresses.map(address => portAnswers(address, 22).then(answers => assert.ok(answers))))

    await lab.stop()

    assert.equal(existsSync(lab.dir), false)
    assert.deepEqual(processesUsing(lab.dir), [])
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(`${lab.dir}/`), false)
    for (const address of addresses) {
      for (const port of [22, 80, 443]) {
        assert.equal(await portAnswers(address, port), false, `${address}:${port} still answers`)
      }
    }
  })

  it('removes the lab when its process exits without stop()', async function () {
    const script = `const { startLab } = require(${JSON.stringify(join(__dirname, 'index.ts'))})
      startLab({ hostsPerPool: 1 }).then(lab => { console.log(lab.dir); process.exit(0) })`
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', '--eval', script], { cwd: REPOSITORY, stdio: ['ignore', 'pipe', 'inherit'] })
    const labDir = await lineMatching(child.stdout, /^\//)
    await new Promise(resolve => child.once('exit', resolve))
    assert.equal(existsSync(labDir), false)
    assert.deepEqual(processesUsing(labDir), [])
  })

  it('gives labs started at the same time their own addresses', async function () {
    const labs = await Promise.all([startLab({ hostsPerPool: 1 }), startLab({ hostsPerPool: 1 })])
    try {
      const [first, second] = labs.map(lab => lab.hosts[0].address)
      assert.notEqual(first, second)
      assert.notEqual(labs[0].id, labs[1].id)
    } finally {
      await Promise.all(labs.map(lab => lab.stop()))
    }
  })

  it('runs from the command line, writes the manifest, and a crashed lab is cleaned up by the next one', async function () {
    const manifestPath = join(scratch, 'lab.json')
    // node itself (not the tsx wrapper, which would outlive a SIGKILL as an orphan) runs the CLI.
    const args = ['--import', 'tsx', CLI, '--pools', '2', '--hosts', '1', '--second-octet', '126', '--manifest', manifestPath]
    const cli = spawn(process.execPath, args, { cwd: REPOSITORY, stdio: ['ignore', 'pipe', 'inherit'] })
    await lineMatching(cli.stdout, /^Press Ctrl-C/)
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as LabManifest
    assertManifestShape(manifest)
    const crashedDir = dirname(manifest.caCertificatePath)
    const session = await openSleepingSession(manifest.pools[0].hosts[0], crashedDir)

    cli.kill('SIGKILL')
    await new Promise(resolve => cli.once('exit', resolve))
    assert.ok(existsSync(crashedDir), 'the crashed lab left its folder')
    assert.ok(processesUsing(crashedDir).includes(session), 'the SSH session outlived the lab process')

    const next = await startLab({ pools: 1, hostsPerPool: 1 })
    try {
      assert.equal(existsSync(crashedDir), false)
      assert.deepEqual(processesUsing(crashedDir), [])
    } finally {
      await next.stop()
    }
  })
})

function assertManifestShape(manifest: LabManifest): void {
  assert.deepEqual(Object.keys(manifest).sort(), ['caCertificatePath', 'pools'])
  assert.equal(manifest.pools.length, 2)
  for (const pool of manifest.pools) {
    assert.deepEqual(Object.keys(pool).sort(), ['hosts', 'master', 'name_label', 'uuid', 'xapi'])
    assert.deepEqual(Object.keys(pool.xapi).sort(), ['password', 'url', 'username'])
    assert.equal(pool.master, pool.hosts[0].uuid)
    for (const host of pool.hosts) {
      assert.deepEqual(Object.keys(host).sort(), ['address', 'https', 'name_label', 'ssh', 'uuid'])
      assert.deepEqual(Object.keys(host.ssh).sort(), ['hostKeyFingerprint', 'password', 'port', 'privateKeyPath', 'username'])
      assert.deepEqual(host.https, { port: 443, certificate: 'self-signed' })
      assert.match(host.ssh.hostKeyFingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/)
      assert.match(host.address, /^127\.126\.\d+\.1$/)
    }
  }
}

type ManifestHost = LabManifest['pools'][number]['hosts'][number]

/** Starts `sleep` over SSH on the host; resolves its pid once it runs in the host's namespace. */
async function openSleepingSession(host: ManifestHost, labDir: string): Promise<number> {
  const options = ['BatchMode=yes', 'StrictHostKeyChecking=no', 'UserKnownHostsFile=/dev/null', 'LogLevel=ERROR']
  const args = [...options.flatMap(option => ['-o', option]), '-i', host.ssh.privateKeyPath, `root@${host.address}`, 'sleep 600']
  spawn('ssh', args, { stdio: 'ignore' })
  for (;;) {
    const sleeper = processesUsing(labDir).find(pid => readProcText(pid, 'cmdline') === ['sleep', '600', ''].join('\0'))
    if (sleeper !== undefined) {
      return sleeper
    }
    await delay(50)
  }
}

function readProcText(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8')
  } catch {
    return undefined
  }
}

/** Pids of the processes whose mounts mention `dir` (the lab's hosts' namespaces). */
function processesUsing(dir: string): number[] {
  return readdirSync('/proc')
    .filter(entry => /^\d+$/.test(entry) && entry !== String(process.pid))
    .map(Number)
    .filter(pid => readProcText(pid, 'mountinfo')?.includes(`${dir}/`))
}

function lineMatching(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: stream })
    lines.on('line', line => pattern.test(line) && resolve(line))
    lines.once('close', () => reject(new Error(`no line matched ${pattern}`)))
  })
}
