// Reads a V8 CPU profile (the inspector's Profiler.stop answer): self time by function, and the busy
// stretches (no idle sample between) longer than LONG_MS, with the functions that ran in each. A sample
// far longer than the sampling interval is time the process was not running (the machine's other load):
// it is reported apart, not counted to the function it interrupted.
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

const LONG_MS = 50
const TOP = 15
const DESCHEDULED_MS = 5
const IDLE = new Set(['(idle)', '(program)', '(garbage collector)'])

export function summarizeProfile(profile: CpuProfile): string {
  const names = new Map(profile.nodes.map(node => [node.id, nameOf(node.callFrame)]))
  const idle = new Set(profile.nodes.filter(node => node.callFrame.functionName === '(idle)').map(node => node.id))
  const self = new Map<string, number>()
  const stretches: Array<{ ms: number; self: Map<string, number> }> = []
  let current: { ms: number; self: Map<string, number> } | undefined
  let busyMs = 0
  let descheduledMs = 0
  profile.samples.forEach((id, index) => {
    const wallMs = (profile.timeDeltas[index + 1] ?? 0) / 1000
    const ms = Math.min(wallMs, DESCHEDULED_MS)
    descheduledMs += wallMs - ms
    const name = names.get(id)!
    if (idle.has(id)) {
      if (current !== undefined && current.ms > LONG_MS) stretches.push(current)
      current = undefined
      return
    }
    busyMs += ms
    add(self, name, ms)
    current ??= { ms: 0, self: new Map() }
    current.ms += ms
    add(current.self, name, ms)
  })
  const totalMs = (profile.endTime - profile.startTime) / 1000
  const lines = [`busy ${busyMs.toFixed(0)} ms of ${totalMs.toFixed(0)} ms; not running (samples over ${DESCHEDULED_MS} ms) ${descheduledMs.toFixed(0)} ms`, 'self time:']
  lines.push(...top(self).map(([name, ms]) => `  ${ms.toFixed(1).padStart(8)} ms  ${name}`))
  lines.push(`${stretches.length} busy stretches over ${LONG_MS} ms${stretches.length === 0 ? '' : ':'}`)
  for (const stretch of stretches.sort((a, b) => b.ms - a.ms).slice(0, 5)) {
    lines.push(`  ${stretch.ms.toFixed(0)} ms: ${top(stretch.self, 5).map(([name, ms]) => `${name} ${ms.toFixed(0)}`).join(', ')}`)
  }
  return lines.join('\n')
}

function nameOf({ functionName, url, lineNumber }: CpuProfile['nodes'][number]['callFrame']): string {
  if (IDLE.has(functionName) || url === '') return functionName || '(anonymous)'
  const file = url.replace(/^.*\/node_modules\//, '').replace(/^.*\/(src|dist|test)\//, '$1/')
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`
}

function add(map: Map<string, number>, name: string, ms: number): void {
  map.set(name, (map.get(name) ?? 0) + ms)
}

function top(map: Map<string, number>, count = TOP): Array<[string, number]> {
  return [...map].sort((a, b) => b[1] - a[1]).slice(0, count)
}
