// The only commands the plugin ever runs on a host. Each is a fixed string; the one number that goes into
// a command line is checked to be an integer in range first, so no input can reach a shell.

export type FixedCommand = { kind: 'toolstack-restart' } | { kind: 'wait-init-complete'; seconds: number }

export const TOOLSTACK_RESTART = '/opt/xensource/bin/xe-toolstack-restart'
export const WAIT_INIT_COMPLETE = '/opt/xensource/bin/xapi-wait-init-complete'
export const MAX_WAIT_SECONDS = 3600

/** The exact command line of a fixed command; throws a TypeError for anything outside the union. */
export function commandLine(command: FixedCommand): string {
  switch (command?.kind) {
    case 'toolstack-restart':
      return TOOLSTACK_RESTART
    case 'wait-init-complete':
      return `${WAIT_INIT_COMPLETE} ${waitSeconds(command.seconds)}`
    default:
      throw new TypeError(`not a command the plugin runs: ${JSON.stringify(command)}`)
  }
}

function waitSeconds(seconds: unknown): number {
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > MAX_WAIT_SECONDS) {
    throw new TypeError(
      `wait-init-complete needs an integer number of seconds from 1 to ${MAX_WAIT_SECONDS}, got ${String(seconds)}`
    )
  }
  return seconds
}
