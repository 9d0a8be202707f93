// `npm run bench -- [--hosts 200] [--reps 3] [--slow-reps 3] [--calls audit,apply,...] [--out FILE]`: the plugin's fleet calls
// against the tools admins use instead, side by side on one lab of N hosts (20 per pool), interleaved,
// each repeated: median and min in seconds, ratios plugin / peer, the load average at each measurement,
// the plugin process's RSS and event-loop delay p99 during its calls, and the memory an idle SSH
// connection costs. Prints Markdown tables and writes the same as JSON. A benchmark, not a test.
//
// The lab (its sshds, XAPI simulators and HTTPS servers) runs in a child process (./lab-child.ts); this
// process holds what xo-server would, the XO harness and the plugin, so the RSS and the event-loop delay
// are theirs. `--slow-reps` applies to Ansible and the sequential loops.
import { execSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { peers, type Peer, type Timings } from './peers'
import { OPERATIONS, pluginOperation, startFleet, type Fleet, type Operation } from './plugin-fleet'

const SLOW = new Set(['ansible -f 16', 'sequential ssh / curl loop'])

interface Sample {
  seconds: number
  load1: number
  /** Plugin calls only; the baseline is an idle second of this process just before (the machine's load shows there). */
  eventLoopP99Ms?: number
  idleEventLoopP99Ms?: number
  rssMiB?: number
  /** The V8 heap in use after the call: what a major garbage collection has to mark (the harness's XAPI objects included). */
  heapMiB?: number
  /** CPU time of this process (user + system) during the call: what the plugin and the harness cost, apart from waiting. */
  cpuSeconds?: number
}

const samples = new Map<string, Sample[]>()
const notes: string[] = []
const eventLoop = monitorEventLoopDelay({ resolution: 10 })

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string', default: '200' },
      reps: { type: 'string', default: '3' },
      'slow-reps': { type: 'string', default: '3' },
      out: { type: 'string' },
      calls: { type: 'string', default: Object.values(OPERATIONS).map(operation => operation.plugin).join(',') },
    },
  })
  const operations = (Object.keys(OPERATIONS) as Operation[]).filter(key => values.calls!.split(',').includes(OPERATIONS[key].plugin))
  const hostCount = Number(values.hosts)
  const reps = Number(values.reps)
  const slowReps = Number(values['slow-reps'])
  const started = Date.now()
  const fleet = await startFleet(hostCount)
  console.log(`lab of ${hostCount} hosts up in ${((Date.now() - started) / 1000).toFixed(0)} s, load ${loadavg()[0].toFixed(2)}`)
  const dir = mkdtempSync(join(tmpdir(), 'xo-bench-'))
  const tools = peers(fleet.lab, dir)
  tools.filter(peer => peer.missing !== undefined).forEach(peer => notes.push(`skipped ${peer.name}: ${peer.missing}`))
  let memory: Record<string, number> | undefined
  try {
    for (let rep = 0; rep < reps; rep++) {
      for (const operation of operations) {
        const measured = await measurePlugin(fleet, operation, rep)
        memory ??= measured
        const method = OPERATIONS[operation].peerMethod
        for (const peer of tools.filter(tool => tool.missing === undefined && method !== undefined && tool[method] !== undefined)) {
          if (SLOW.has(peer.name) && rep >= slowReps) continue
          await measurePeer(peer, operation, rep)
        }
      }
      console.log(`repetition ${rep + 1}/${reps} done, load ${loadavg()[0].toFixed(2)}`)
    }
  } finally {
    await fleet.stop()
  }
  report(hostCount, reps, slowReps, memory, values.out)
}

/** Cold (the plugin reloaded: no connection open) then warm; returns the memory of idle connections the first time. */
async function measurePlugin(fleet: Fleet, operation: Operation, rep: number): Promise<Record<string, number>> {
  await fleet.reloadPlugin()
  const before = settledMemory()
  for (const variant of ['plugin cold', 'plugin warm']) {
    const value = 3600 + rep * 10 + (variant === 'plugin cold' ? 0 : 1)
    const idleEventLoopP99Ms = await idleEventLoopP99()
    eventLoop.reset()
    eventLoop.enable()
    const start = process.hrtime.bigint()
    const cpuStart = process.cpuUsage()
    try {
      await pluginOperation(fleet, operation, value)
    } catch (error) {
      notes.push(`${operation} ${variant} repetition ${rep + 1} failed: ${(error as Error).message}`)
      eventLoop.disable()
      continue
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    const cpu = process.cpuUsage(cpuStart)
    eventLoop.disable()
    record(operation, variant, {
      seconds,
      load1: loadavg()[0],
      eventLoopP99Ms: eventLoop.percentile(99) / 1e6,
      idleEventLoopP99Ms,
      rssMiB: process.memoryUsage().rss / 2 ** 20,
      heapMiB: process.memoryUsage().heapUsed / 2 ** 20,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    })
  }
  const after = settledMemory()
  const connections = fleet.lab.hosts.length
  return {
    connections,
    rssKiBPerConnection: (after.rss - before.rss) / 1024 / connections,
    heapAndBuffersKiBPerConnection: (after.heapUsed + after.external - before.heapUsed - before.external) / 1024 / connections,
  }
}

async function idleEventLoopP99(): Promise<number> {
  eventLoop.reset()
  eventLoop.enable()
  await new Promise(resolve => setTimeout(resolve, 1000))
  eventLoop.disable()
  return eventLoop.percentile(99) / 1e6
}

function settledMemory(): NodeJS.MemoryUsage {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage()
}

async function measurePeer(peer: Peer, operation: Operation, rep: number): Promise<void> {
  try {
    const timings: Timings = await peer[OPERATIONS[operation].peerMethod!]!(4000 + rep)
    for (const [variant, seconds] of Object.entries(timings)) {
      record(operation, variant, { seconds, load1: loadavg()[0] })
    }
  } catch (error) {
    notes.push(`${peer.name} ${operation} repetition ${rep + 1} failed: ${(error as Error).message.slice(0, 300)}`)
  }
}

function record(operation: Operation, variant: string, sample: Sample): void {
  const key = `${operation}\t${variant}`
  samples.set(key, [...(samples.get(key) ?? []), sample])
  console.log(`  ${OPERATIONS[operation].plugin.padEnd(9)} ${variant.padEnd(28)} ${sample.seconds.toFixed(2).padStart(7)} s   load ${sample.load1.toFixed(2)}`)
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]

function report(hostCount: number, reps: number, slowReps: number, memory: Record<string, number> | undefined, out?: string): void {
  const rows = [...samples].map(([key, list]) => {
    const [operation, variant] = key.split('\t') as [Operation, string]
    const seconds = list.map(sample => sample.seconds)
    return {
      operation,
      call: OPERATIONS[operation].plugin,
      variant,
      runs: list.length,
      median: median(seconds),
      min: Math.min(...seconds),
      load1: list.map(sample => +sample.load1.toFixed(2)),
      eventLoopP99Ms: list[0].eventLoopP99Ms === undefined ? undefined : Math.max(...list.map(sample => sample.eventLoopP99Ms!)),
      idleEventLoopP99Ms: list[0].idleEventLoopP99Ms === undefined ? undefined : Math.max(...list.map(sample => sample.idleEventLoopP99Ms!)),
      rssMiB: list[0].rssMiB === undefined ? undefined : Math.max(...list.map(sample => sample.rssMiB!)),
      heapMiB: list[0].heapMiB === undefined ? undefined : Math.max(...list.map(sample => sample.heapMiB!)),
      cpuSeconds: list[0].cpuSeconds === undefined ? undefined : median(list.map(sample => sample.cpuSeconds!)),
    }
  })
  const ratios = rows
    .filter(row => row.variant.startsWith('plugin'))
    .flatMap(plugin =>
      rows
        .filter(peer => peer.operation === (OPERATIONS[plugin.operation].peersOf ?? plugin.operation) && !peer.variant.startsWith('plugin'))
        .map(peer => ({ call: plugin.call, plugin: plugin.variant, peer: peer.variant, ratio: plugin.median / peer.median }))
    )
  const machine = {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    commit: gitCommit(),
  }
  console.log(`\n${hostCount} hosts, ${reps} repetitions (${slowReps} for Ansible and the sequential loops); ${machine.cpus} × ${machine.model}, ${machine.memoryGiB} GiB, node ${machine.node}, commit ${machine.commit}\n`)
  console.log('| call | who | median s | min s | runs | load average (1 min) at each run | event-loop p99 ms (idle just before) | RSS MiB | heap MiB | plugin CPU s |')
  console.log('|---|---|---:|---:|---:|---|---:|---:|---:|---:|')
  for (const row of rows) {
    const optional = (value: number | undefined, digits: number) => (value === undefined ? '' : value.toFixed(digits))
    console.log(
      `| ${row.call} | ${row.variant} | ${row.median.toFixed(2)} | ${row.min.toFixed(2)} | ${row.runs} | ${row.load1.join(', ')} | ` +
        `${optional(row.eventLoopP99Ms, 0)}${row.idleEventLoopP99Ms === undefined ? '' : ` (${row.idleEventLoopP99Ms.toFixed(0)})`} | ${optional(row.rssMiB, 0)} | ` +
        `${optional(row.heapMiB, 0)} | ${optional(row.cpuSeconds, 2)} |`
    )
  }
  console.log('\n| call | plugin | ÷ peer | ratio (medians) |\n|---|---|---|---:|')
  ratios.forEach(({ call, plugin, peer, ratio }) => console.log(`| ${call} | ${plugin} | ${peer} | ${ratio.toFixed(2)} |`))
  if (memory !== undefined) {
    console.log(
      `\nIdle SSH connection (after a warm call, ${memory.connections} open, GC run first): ` +
        `${memory.rssKiBPerConnection.toFixed(0)} KiB RSS, ${memory.heapAndBuffersKiBPerConnection.toFixed(0)} KiB heap + buffers each`
    )
  }
  notes.forEach(note => console.log(`note: ${note}`))
  const file = out ?? join(process.cwd(), `bench-${hostCount}-hosts-${machine.commit}.json`)
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), hosts: hostCount, reps, slowReps, machine, rows, ratios, memory, notes }, null, 2))
  console.log(`\nwritten: ${file}`)
}

function gitCommit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error)
    process.exit(1)
  }
)
