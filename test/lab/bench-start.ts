// Start-up cost of a lab: npx tsx test/lab/bench-start.ts [--pools P] [--hosts H]
// Prints the time startLab() takes, the memory of the lab process and of the hosts' processes (sshd,
// namespace holders), then the time stop() takes. Options: --pools P --hosts H [--concurrency C].
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

import { findLabProcesses } from './hosts/teardown'
import { startLab } from './index'

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      pools: { type: 'string', default: '1' },
      hosts: { type: 'string', default: '3' },
      concurrency: { type: 'string' },
    },
  })
  const pools = Number(values.pools)
  const hostsPerPool = Number(values.hosts)
  const startConcurrency = values.concurrency === undefined ? undefined : Number(values.concurrency)

  const started = process.hrtime.bigint()
  const lab = await startLab({ pools, hostsPerPool, startConcurrency })
  const startSeconds = Number(process.hrtime.bigint() - started) / 1e9

  const hostProcesses = findLabProcesses(lab.dir)
  const hostMemory = hostProcesses.map(memoryKiB)
  const sumMiB = (key: 'Rss' | 'Pss'): string => (hostMemory.reduce((sum, memory) => sum + memory[key], 0) / 1024).toFixed(0)
  const labRssMiB = process.memoryUsage().rss / 2 ** 20
  console.log(`hosts: ${lab.hosts.length} (${pools} × ${hostsPerPool})`)
  console.log(`start: ${startSeconds.toFixed(2)} s`)
  console.log(`lab process (hosts' files + XAPI simulator) RSS: ${labRssMiB.toFixed(0)} MiB`)
  console.log(`host processes (sshd, namespace holders): ${hostProcesses.length}, RSS sum ${sumMiB('Rss')} MiB, PSS sum ${sumMiB('Pss')} MiB`)

  const stopping = process.hrtime.bigint()
  await lab.stop()
  console.log(`stop: ${(Number(process.hrtime.bigint() - stopping) / 1e9).toFixed(2)} s`)
}

/** Rss counts shared pages in every process; Pss divides them between the processes sharing them. */
function memoryKiB(pid: number): { Rss: number; Pss: number } {
  const rollup = readProc(`${pid}/smaps_rollup`) ?? ''
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(rollup)?.[1] ?? 0)
  return { Rss: field('Rss'), Pss: field('Pss') }
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(`/proc/${path}`, 'utf8')
  } catch {
    return undefined
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error)
    process.exit(1)
  }
)
