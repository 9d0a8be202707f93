// What the real xo-cli (0.32.3, packages/xo-cli/index.mjs of the Xen Orchestra monorepo) does with the
// two things this project depends on, rewritten from its behaviour: how it turns `name=value` arguments
// into params (`parseParameters`), and how it prints an invalidParameters error (the `errors.forEach`
// in its main: it reads `instancePath` of every entry of `data.errors`).
import { parse } from 'shell-quote'

const PARAM = /^([^=]+)=([^]*)$/

/**
 * xo-cli's params from its `name=value` arguments: a value starting with `json:` is JSON, the plain
 * strings `true` and `false` are booleans, anything else stays a string (`limit=5` sends "5").
 */
export function parseXoCliParams(args: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {}
  for (const arg of args) {
    const match = PARAM.exec(arg)
    if (match === null) {
      throw new Error(`invalid arg: ${arg}`)
    }
    const [, name, text] = match
    const value: unknown = text.startsWith('json:') ? JSON.parse(text.slice(5)) : text
    params[name] = name !== '@' && (value === 'true' || value === 'false') ? value === 'true' : value
  }
  delete params['@']
  return params
}

/** The lines xo-cli prints for an invalidParameters error (code 10 with `data.errors`); it throws a TypeError on an entry without `instancePath`. */
export function formatLikeXoCli(error: { message: string; data: { errors: Array<{ instancePath: string; message: string }> } }): string {
  const lines = [error.message]
  for (const entry of error.data.errors) {
    const path = entry.instancePath.length === 0 ? '@' : '@.' + entry.instancePath
    lines.push(`  property ${path}: ${entry.message}`)
  }
  return lines.join('\n')
}

export interface XoCliCommand {
  /** The line as the documentation shows it. */
  line: string
  /** Where: `README.md:153`. */
  source: string
  method: string
  /** The arguments after the method, as a shell splits them (placeholders replaced). */
  args: string[]
}

/**
 * Every `xo-cli <namespace.method> …` line of the fenced code blocks of a Markdown text (other xo-cli
 * subcommands, such as `list-commands` or `rest`, are not API calls). `placeholders` replaces each
 * `<…>` placeholder before the line is split as a shell would (a trailing `# comment` is dropped).
 */
export function xoCliCommands(markdown: string, file: string, placeholders: (name: string) => string): XoCliCommand[] {
  const commands: XoCliCommand[] = []
  let fence: string | undefined
  markdown.split('\n').forEach((text, index) => {
    const marker = /^\s*(```|~~~)/.exec(text)?.[1]
    if (marker !== undefined) {
      fence = fence === undefined ? marker : fence === marker ? undefined : fence
      return
    }
    const line = text.trim()
    if (fence === undefined || !/^xo-cli [\w-]+\.[\w.]+/.test(line)) {
      return
    }
    const words = parse(line.replace(/<([^<>]+)>/g, (_, name: string) => placeholders(name))).filter(
      (word): word is string => typeof word === 'string',
    )
    const [, method, ...args] = words
    commands.push({ line, source: `${file}:${index + 1}`, method, args: args[0] === '--json' ? args.slice(1) : args })
  })
  return commands
}
