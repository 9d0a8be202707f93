// Scale benchmark of the XAPI simulator alone: N pools × M hosts in this one process.
//   npx tsx test/lab/xapi/benchmark-scale.ts [pools=20] [hostsPerPool=10]
// Prints the start time, the process memory, one login + get_all_records on every master and
// one toolstack restart of every master, then the time to close everything.
import { callAsRoot, LabFixture } from './fixtures'
import { startXapiSim } from './index'

const MIB = 1024 * 1024

async function timed<T>(label: string, run: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint()
  const result = await run()
  console.log(`${label}: ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(0)} ms`)
  return result
}

async function main(): Promise<void> {
  const [poolCount = 20, hostsPerPool = 10] = process.argv.slice(2).map(Number)
  const fixture = new LabFixture()
  try {
    const pools = Array.from({ length: poolCount }, (_, index) => fixture.pool(100 + index, hostsPerPool))
    const sim = await timed(`start ${poolCount} pools × ${hostsPerPool} hosts (${poolCount * hostsPerPool * 2} listeners)`, () =>
      startXapiSim({ pools })
    )
    const { rss, heapUsed } = process.memoryUsage()
    console.log(`memory after start: rss ${(rss / MIB).toFixed(0)} MiB, heap ${(heapUsed / MIB).toFixed(0)} MiB`)
    await timed('login + host.get_all_records on every master', () =>
      Promise.all(pools.map(pool => callAsRoot(pool.hosts[0]!.address, 'host.get_all_records')))
    )
    await timed('toolstack restart of every master', () => Promise.all(pools.map(pool => sim.restartHost(pool.hosts[0]!.uuid))))
    await timed('close', () => sim.close())
  } finally {
    fixture.cleanUp()
  }
}

main().catch(error => {
  console.error(error)
  process.exitCode = 1
})
