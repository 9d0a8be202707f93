// `npm run bench -- [--pools 10] [--hosts 20] [--concurrency 16]`: how long the plugin's fleet-wide reads
// take on a lab of pools × hosts, and the memory the process holds. Prints figures; asserts nothing.
import { parseArgs } from 'node:util'
import { startPluginLab } from '../support/plugin-lab'

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint()
  const result = await fn()
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  console.log(`${label.padEnd(40)} ${(ms / 1000).toFixed(2).padStart(7)} s   rss ${mib(process.memoryUsage().rss)}`)
  return result
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      pools: { type: 'string', default: '10' },
      hosts: { type: 'string', default: '20' },
      concurrency: { type: 'string', default: '16' },
    },
  })
  const pools = Number(values.pools)
  const hostsPerPool = Number(values.hosts)
  const concurrency = Number(values.concurrency)
  console.log(`${pools} pools × ${hostsPerPool} hosts, ${concurrency} hosts at once`)
  const fleet = await timed('lab + harness + plugin up', () =>
    startPluginLab({ pools, hostsPerPool, startConcurrency: 16 }, { concurrency, audit: { paused: true } })
  )
  try {
    const call = (method: string, params: Record<string, unknown> = {}) => fleet.harness.call(`xapiConfig.${method}`, params)
    const audit = await timed('audit (cold: SSH connections opened)', () => call('audit'))
    await timed('audit (warm: connections reused)', () => call('audit'))
    const hsts = await timed('checkHsts (HTTPS GET + SSH read per host)', () => call('checkHsts'))
    const plan = await timed('plan on one pool', () => call('plan', { pool: fleet.lab.pools[0].uuid, settings: { hsts_max_age: 600 } }))
    console.log(
      `audit: ${audit.summary.hosts} hosts, ${audit.summary.unreachable} unreachable; ` +
        `checkHsts: ${hsts.summary}; plan: ${plan.hosts.length} hosts`
    )
  } finally {
    await fleet.stop()
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error)
    process.exit(1)
  }
)
