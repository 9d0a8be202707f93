// `npm run docs`: rewrites the generated regions of the README and of docs/ from the code (method
// definitions, settings schema, key catalog). `npm run docs -- --check` only lists the stale files.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { catalogMarkdownTable } from '../../src/conf'
import { sampleMessages, statusMapping } from './alerts'
import { COMMAND, fillRegions, type Region } from './markdown'
import { apiReference, readmeMethods, readmeRestTable } from './methods'
import { readmeSettingsTable, settingsReference } from './settings'

export const REPOSITORY = join(__dirname, '..', '..')

const SETTINGS_SOURCE = 'src/settings/schema.ts'

/** Each file with the regions `npm run docs` owns in it. */
function regionsByFile(): Record<string, Region[]> {
  return {
    'README.md': [
      { name: 'settings', source: SETTINGS_SOURCE, content: readmeSettingsTable() },
      { name: 'methods', source: 'src/api/', content: readmeMethods() },
      { name: 'rest', source: 'src/api/rest.ts', content: readmeRestTable() },
    ],
    'docs/api.md': [{ name: 'methods', source: 'src/api/', content: apiReference() }],
    'docs/settings.md': [{ name: 'settings', source: SETTINGS_SOURCE, content: settingsReference() }],
    'docs/catalog.md': [{ name: 'keys', source: 'src/conf/catalog.ts', content: catalogMarkdownTable() }],
    'docs/audit-alerts.md': [
      { name: 'status mapping', source: 'src/services/alerts/status.ts', content: statusMapping() },
      { name: 'samples', source: 'src/services/alerts/messages.ts', content: sampleMessages() },
    ],
  }
}

export interface GeneratedFile {
  path: string
  current: string
  expected: string
}

/** Every file with generated regions: as committed, and as `npm run docs` would write it. */
export function generatedFiles(): GeneratedFile[] {
  return Object.entries(regionsByFile()).map(([path, regions]) => {
    const current = readFileSync(join(REPOSITORY, path), 'utf8')
    return { path, current, expected: fillRegions(path, current, regions) }
  })
}

function main(check: boolean): void {
  const stale = generatedFiles().filter(file => file.current !== file.expected)
  for (const file of stale) {
    if (check) console.log(`${file.path} is stale: run \`${COMMAND}\``)
    else writeFileSync(join(REPOSITORY, file.path), file.expected)
  }
  if (!check) console.log(stale.length === 0 ? 'The docs were current.' : `Rewrote ${stale.map(file => file.path).join(', ')}.`)
  if (check && stale.length > 0) process.exitCode = 1
}

if (require.main === module) main(process.argv.includes('--check'))
