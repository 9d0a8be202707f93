#!/usr/bin/env node
// xapi-conf: the effective XAPI configuration of a host and a prediction of whether XAPI starts.
import { stat } from 'node:fs/promises'
import { parseArgs } from 'node:util'

import { effectiveConfig, lintTree, parseVersion, readLocalTree, type EffectiveConfig, type LintReport, type Outcome } from '../conf/index'

const USAGE = `Usage:
  xapi-conf effective [--root DIR] [--xapi-version V] [--json]
  xapi-conf lint [--root DIR] [--xapi-version V] [--json]

Reads DIR/etc/xapi.conf and the drop-in directory XAPI reads (DIR/etc/xapi.conf.d unless
config-dir is set in xapi.conf), DIR being / by default.

  effective        print every key the files set, its value as XAPI holds it, and where it comes from
  lint             predict whether XAPI starts, and list every problem
  --root DIR       directory taken as the host's /
  --xapi-version V the host's XAPI version (e.g. 26.1.3): keys it does not read yet are ignored
  --json           machine-readable output

Exit status (lint): 0 XAPI would start, 1 it would not, 2 usage error.
Exit status (effective): 0, or 2 on a usage error.
`

class UsageError extends Error {}

interface Command {
  readonly name: 'effective' | 'lint'
  readonly root: string
  readonly xapiVersion?: string
  readonly json: boolean
}

function parseCommand(argv: string[]): Command | 'help' {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        root: { type: 'string', default: '/' },
        'xapi-version': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help === true) return 'help'
  const [name, ...extra] = positionals
  if (name !== 'effective' && name !== 'lint') throw new UsageError(name === undefined ? 'missing command' : `unknown command: ${name}`)
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`)
  const xapiVersion = values['xapi-version']
  if (xapiVersion !== undefined && parseVersion(xapiVersion) === undefined) throw new UsageError(`not an XAPI version: ${xapiVersion}`)
  return { name, root: values.root as string, json: values.json === true, ...(xapiVersion === undefined ? {} : { xapiVersion }) }
}

const OUTCOME_TEXT: Readonly<Record<Outcome, string>> = {
  starts: 'XAPI would start.',
  exit1: 'XAPI would NOT start: it exits with status 1.',
  exit2: 'XAPI would NOT start: it exits with status 2.',
}

// Values may hold a CR or other control characters: print them as JSON strings.
const printable = (value: string) => JSON.stringify(value)

function lintText(report: LintReport): string {
  const problems = report.problems.map(({ severity, code, file, line, message }) => {
    // messages about a whole entry already start with its path
    const where = file === null || message.startsWith(file) ? '' : `${file}${line === null ? '' : `:${line}`}: `
    return `${severity}: ${where}${message} [${code}]`
  })
  return [...problems, OUTCOME_TEXT[report.outcome]].join('\n')
}

function effectiveOutput(config: EffectiveConfig, json: boolean): string {
  const values = Object.values(config.values)
  if (json) {
    const effective = Object.fromEntries(values.map(({ key, value, file, line, shadowed }) => [key, { value, file, line, shadowed }]))
    return JSON.stringify({ outcome: config.outcome, effective }, null, 2)
  }
  const lines = values.map(({ key, value, file, line }) => `${key} = ${printable(value)}  (${file}:${line})`)
  return [...lines, OUTCOME_TEXT[config.outcome]].join('\n')
}

async function run(command: Command): Promise<number> {
  const rootStats = await stat(command.root).catch(() => undefined)
  if (rootStats?.isDirectory() !== true) throw new UsageError(`not a directory: ${command.root}`)
  const tree = await readLocalTree(command.root)
  const options = command.xapiVersion === undefined ? {} : { xapiVersion: command.xapiVersion }
  if (command.name === 'effective') {
    process.stdout.write(`${effectiveOutput(effectiveConfig(tree, options), command.json)}\n`)
    return 0
  }
  const report = lintTree(tree, options)
  process.stdout.write(`${command.json ? JSON.stringify(report, null, 2) : lintText(report)}\n`)
  return report.outcome === 'starts' ? 0 : 1
}

async function main(argv: string[]): Promise<number> {
  try {
    const command = parseCommand(argv)
    if (command === 'help') {
      process.stdout.write(USAGE)
      return 0
    }
    return await run(command)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`xapi-conf: ${error.message}\n\n${USAGE}`)
    return 2
  }
}

main(process.argv.slice(2)).then(
  code => {
    process.exitCode = code
  },
  error => {
    process.stderr.write(`xapi-conf: ${(error as Error).stack ?? String(error)}\n`)
    process.exitCode = 2
  }
)
