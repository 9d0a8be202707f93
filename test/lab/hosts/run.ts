import { spawn } from 'node:child_process'

export interface CommandResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  input?: string
  /** Added to this process's environment. */
  env?: Record<string, string>
  /** Kills the program (SIGTERM) after this long; its result then has a null code. */
  timeoutMs?: number
}

/** Runs a program to completion and returns its exit code and output, whatever the code. */
export function capture(command: string, args: readonly string[], { input, env, timeoutMs }: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env }, timeout: timeoutMs })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', code => resolve({ code, stdout, stderr }))
    child.stdin.end(input)
  })
}

/** Runs a program to completion; rejects with its stderr when it exits non-zero. */
export async function run(command: string, args: readonly string[], options?: RunOptions): Promise<CommandResult> {
  const result = await capture(command, args, options)
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}: ${result.stderr.trim()}`)
  }
  return result
}
