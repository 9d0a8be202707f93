// Throwaway plugin packages for the harness' own tests: a directory with a package.json and an entry
// module written from source text, CommonJS (Babel's output shape) or native ESM.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface FakePluginPackage {
  /** Directory named like a plugin package, e.g. `<tmp>/xo-server-fake`. */
  dir: string
}

export async function writeFakePlugin(
  source: string,
  { name = 'xo-server-fake', esm = false, version = '1.2.3' }: { name?: string; esm?: boolean; version?: string } = {}
): Promise<FakePluginPackage> {
  const dir = join(await mkdtemp(join(tmpdir(), 'fake-plugin-')), name)
  await mkdir(dir)
  const main = esm ? 'index.mjs' : 'index.js'
  const manifest = { name, version, description: 'a fake plugin', keywords: ['xo-server-plugin'], main }
  await writeFile(join(dir, 'package.json'), JSON.stringify(manifest))
  await writeFile(join(dir, main), source)
  return { dir }
}

/**
 * A CommonJS plugin that records every call it gets in `globalThis.fakePluginCalls`, so that a test
 * can see what the harness did with it. `schema` is the JSON text of its configurationSchema.
 */
export function recordingPluginSource({ schema, testSchema }: { schema?: string; testSchema?: string } = {}): string {
  return `
const calls = (globalThis.fakePluginCalls = [])
exports.default = function factory(options) {
  calls.push(['factory', options])
  return {
    configure(configuration, state) { calls.push(['configure', configuration, state]) },
    load() { calls.push(['load']) },
    unload() { calls.push(['unload']) },
    test(data) { calls.push(['test', data]) },
  }
}
${schema === undefined ? '' : `exports.configurationSchema = ${schema}`}
${testSchema === undefined ? '' : `exports.testSchema = ${testSchema}`}
`
}

export function recordedCalls(): Array<[string, ...any[]]> {
  return (globalThis as unknown as { fakePluginCalls: Array<[string, ...any[]]> }).fakePluginCalls
}
