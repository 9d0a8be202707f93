// The floor of the benchmark: the least a node program can do for each fleet operation, with nothing
// else (no pins, no linting, no journal). `tsx test/bench/floor.ts --hosts FILE --mode read|write|https`
// prints {"cold": seconds, "warm": seconds}: cold connects to every host for the operation, warm first
// connects (untimed) and then times the operation on the open connections. 16 hosts at once.
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:https'
import { parseArgs } from 'node:util'
import { Client, type SFTPWrapper } from 'ssh2'
import { mapBounded } from '../../src/util/bounded'

interface FloorHost {
  address: string
  port: number
  username: string
  privateKeyPath: string
}

const PARALLEL = 16

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { hosts: { type: 'string' }, mode: { type: 'string', default: 'read' } } })
  const hosts = JSON.parse(readFileSync(values.hosts as string, 'utf8')) as FloorHost[]
  const mode = values.mode as 'read' | 'write' | 'https'
  const result = mode === 'https' ? await https(hosts) : await ssh(hosts, mode === 'read' ? readConfig : writeDropIn)
  console.log(JSON.stringify(result))
}

async function ssh(hosts: FloorHost[], operation: (sftp: SFTPWrapper) => Promise<void>) {
  const cold = await timed(() =>
    mapBounded(hosts, PARALLEL, async host => {
      const { client, sftp } = await connect(host)
      await operation(sftp)
      client.end()
    })
  )
  const open = await mapBounded(hosts, PARALLEL, connect)
  const warm = await timed(() => mapBounded(open, PARALLEL, ({ sftp }) => operation(sftp)))
  open.forEach(({ client }) => client.end())
  return { cold, warm }
}

async function https(hosts: FloorHost[]) {
  const cold = await timed(() => mapBounded(hosts, PARALLEL, host => get(host.address, false)))
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  await mapBounded(hosts, PARALLEL, host => get(host.address, agent))
  const warm = await timed(() => mapBounded(hosts, PARALLEL, host => get(host.address, agent)))
  agent.destroy()
  return { cold, warm }
}

function connect(host: FloorHost): Promise<{ client: Client; sftp: SFTPWrapper }> {
  return new Promise((resolve, reject) => {
    const client = new Client()
    client.once('error', reject)
    client.once('ready', () => client.sftp((error, sftp) => (error ? reject(error) : resolve({ client, sftp }))))
    client.connect({ host: host.address, port: host.port, username: host.username, privateKey: readFileSync(host.privateKeyPath) })
  })
}

async function readConfig(sftp: SFTPWrapper): Promise<void> {
  const read = (path: string) => new Promise<void>(resolve => sftp.readFile(path, () => resolve()))
  const list = new Promise<Array<{ filename: string }>>(resolve => sftp.readdir('/etc/xapi.conf.d', (error, entries) => resolve(error ? [] : entries)))
  const [, entries] = await Promise.all([read('/etc/xapi.conf'), list])
  await Promise.all(entries.map(entry => read(`/etc/xapi.conf.d/${entry.filename}`)))
}

function writeDropIn(sftp: SFTPWrapper): Promise<void> {
  return new Promise((resolve, reject) =>
    sftp.writeFile('/etc/xapi.conf.d/zz-bench-floor.conf', `pending_task_timeout = ${3600 + Date.now() % 1000}\n`, error => (error ? reject(error) : resolve()))
  )
}

function get(address: string, agent: Agent | false): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, path: '/', rejectUnauthorized: false, agent }, res => {
      res.resume()
      res.on('end', resolve)
    })
    req.on('error', reject)
    req.end()
  })
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - start) / 1e9
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error)
    process.exit(1)
  }
)
