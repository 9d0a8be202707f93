// Start-up cost of a lab: npx tsx test/lab/bench-start.ts [--pools P] [--hosts H]
// Prints the time startLab() takes, the memory of the lab process and of the hosts' processes (sshd,
// namespace holders; their RSS sum counts shared pages once per process), then the time stop() takes.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

import { findLabProcesses } from './hosts/teardown'
import { startLab } from './index'

const PAGE_KIB = 4

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { pools: { type: 'string', default: '1' }, hosts: { type: 'string', default: '3' } } })
  const pools = Number(values.pools)
  const hostsPerPool = Number(values.hosts)
  const memoryBefore = availableMemoryMiB()

  const started = process.hrtime.bigint()
  const lab = await startLab({ pools, hostsPerPool, startConcurrency: 16 })
  const startSeconds = Number(process.hrtime.bigint() - started) / 1e9

  const hostProcesses = findLabProcesses(lab.dir)
  const hostRssMiB = hostProcesses.reduce((sum, pid) => sum + rssKiB(pid), 0) / 1024
  const labRssMiB = process.memoryUsage().rss / 2 ** 20
  console.log(`hosts: ${lab.hosts.length} (${pools} × ${hostsPerPool})`)
  console.log(`start: ${startSeconds.toFixed(2)} s`)
  console.log(`lab process (hosts' files + XAPI simulator) RSS: ${labRssMiB.toFixed(0)} MiB`)
  console.log(`host processes (sshd, namespace holders): ${hostProcesses.length}, RSS sum ${hostRssMiB.toFixed(0)} MiB`)
  console.log(`machine memory in use by the lab (MemAvailable drop): ${(memoryBefore - availableMemoryMiB()).toFixed(0)} MiB`)

  const stopping = process.hrtime.bigint()
  await lab.stop()
  console.log(`stop: ${(Number(process.hrtime.bigint() - stopping) / 1e9).toFixed(2)} s`)
}

function rssKiB(pid: number): number {
  const statm = readProc(`${pid}/statm`)
  return statm === undefined ? 0 : Number(statm.split(' ')[1]) * PAGE_KIB
}

function availableMemoryMiB(): number {
  const match = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))
  return Number(match?.[1]) / 1024
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
