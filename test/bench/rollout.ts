// `npm run bench:rollout`: a fleet rollout's timing on a lab of P pools × H hosts (default 10 × 5), through
// the XO harness, and the XO task tree an admin sees for it. Not a test: it prints figures.
//   npm run bench:rollout -- [--pools 10] [--hosts 5] [--at-once 1,3]
// For each `poolsAtOnce`, one rollout of a new pending_task_timeout with restarts (every host restarts
// once), then one without restarts; before them, the preview. Each line: wall time, and per pool the
// time of its step (plan, write, restart) as its XO subtask recorded it.
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { routeWarningsTo } from '../demo/library-log'
import type { Harness } from '../harness'
import { startPluginLab } from '../support/plugin-lab'

const ROLLOUT_TASK_TYPE = 'xo:xapi-config:rollout'

/** The XAPI client's reconnection warnings while hosts restart: to a file, not between the figures. */
const libraryLog = routeWarningsTo(join(__dirname, '..', '..', 'bench-rollout.log'))

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { pools: { type: 'string', default: '10' }, hosts: { type: 'string', default: '5' }, 'at-once': { type: 'string', default: '1,3' } } })
  const pools = Number(values.pools)
  const hosts = Number(values.hosts)
  const started = Date.now()
  const fleet = await startPluginLab({ pools, hostsPerPool: hosts }, { audit: { enabled: false } })
  try {
    const { harness } = fleet
    console.log(`lab: ${pools} pools × ${hosts} hosts, up in ${seconds(Date.now() - started)}`)
    let value = 200_000
    const preview = await timed(() => rollout(harness, { change: { setTaskTimeout: { pendingSeconds: ++value } }, preview: true }))
    console.log(`preview (plans and restart checks of ${pools} pools, writes nothing): ${seconds(preview.ms)}`)
    let lastTaskId: string | undefined
    for (const atOnce of String(values['at-once']).split(',').map(Number)) {
      for (const restart of ['now', 'no'] as const) {
        const run = await timed(() => rollout(harness, { change: { setTaskTimeout: { pendingSeconds: ++value } }, poolsAtOnce: atOnce, restart }))
        const log = await taskOf(harness, run.result.rolloutId)
        const steps = (log.tasks ?? []).map((task: any) => task.end - task.start)
        console.log(
          `rollout poolsAtOnce=${atOnce} restart=${restart}: ${seconds(run.ms)} wall, status ${run.result.status}, ` +
            `${run.result.summary.restarted.length} pools restarted, ${run.result.summary.changed.length} changed; ` +
            `per pool step: median ${seconds(median(steps))}, max ${seconds(Math.max(...steps))}`
        )
        if (restart === 'now') lastTaskId = run.result.rolloutId
      }
    }
    console.log('\nWhat XO\'s task list shows for the last rollout with restarts (the first pool in full, the others folded):')
    printTree(await taskOf(harness, lastTaskId!))
  } finally {
    await fleet.stop()
    console.log(`\n${libraryLog.count()} message(s) of the XAPI client (reconnecting while hosts restarted) are in ${libraryLog.path}.`)
  }
}

function rollout(harness: Harness, params: Record<string, unknown>): Promise<any> {
  return harness.call('xapiConfig.rollout', params)
}

async function taskOf(harness: Harness, rolloutId: string): Promise<any> {
  for await (const log of harness.xo.tasks.list()) {
    if (log.properties.type === ROLLOUT_TASK_TYPE && log.properties.rolloutId === rolloutId) return log
  }
  throw new Error(`no task for rollout ${rolloutId}`)
}

function printTree(log: any, depth = 0, index = 0): void {
  const took = log.end === undefined ? '' : ` (${seconds(log.end - log.start)})`
  const lines = [...(log.infos ?? []).map((info: any) => info.message)]
  console.log(`${'  '.repeat(depth)}- ${log.properties.name} [${log.status}]${took}${lines.length === 0 ? '' : `: ${lines.slice(0, 3).join('; ')}${lines.length > 3 ? '; …' : ''}`}`)
  const children = log.tasks ?? []
  if (depth === 1 && index > 0) {
    if (children.length !== 0) console.log(`${'  '.repeat(depth + 1)}… ${children.length} subtasks`)
    return
  }
  children.forEach((child: any, position: number) => printTree(child, depth + 1, position))
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = Date.now()
  const result = await fn()
  return { ms: Date.now() - start, result }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

main().catch(error => {
  console.error(error)
  process.exitCode = 1
})
