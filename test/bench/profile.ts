// `npx tsx test/bench/profile.ts [--hosts 20] [--call audit|apply|checkHsts] [--out DIR]`: CPU profiles
// of one plugin call, cold (plugin reloaded) then warm, on a bench lab in a child process. Writes each
// profile (open it in Chrome's DevTools) and prints where this process spent its time: self time by
// function, and every busy stretch (no idle sample) over 50 ms with what ran in it.
// For finding where the time goes, not a measurement: profiling slows the process.
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { OPERATIONS, pluginOperation, startFleet, type Operation } from './plugin-fleet'
import { summarizeProfile, type CpuProfile } from './profile-summary'

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { hosts: { type: 'string', default: '20' }, call: { type: 'string', default: 'checkHsts' }, out: { type: 'string', default: '.' } },
  })
  const operation = (Object.keys(OPERATIONS) as Operation[]).find(key => OPERATIONS[key].plugin === values.call)
  if (operation === undefined) throw new Error(`--call: one of ${Object.values(OPERATIONS).map(o => o.plugin).join(', ')}`)
  const fleet = await startFleet(Number(values.hosts))
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 500 })
  try {
    await fleet.reloadPlugin()
    for (const variant of ['cold', 'warm']) {
      await session.post('Profiler.start')
      const started = process.hrtime.bigint()
      await pluginOperation(fleet, operation, 3700 + (variant === 'cold' ? 0 : 1))
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile }
      const file = join(values.out!, `${values.call}-${variant}-${values.hosts}.cpuprofile`)
      writeFileSync(file, JSON.stringify(profile))
      console.log(`\n## ${values.call} ${variant}: ${seconds.toFixed(2)} s (${file})\n${summarizeProfile(profile)}`)
    }
  } finally {
    session.disconnect()
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
