// The restart's view of SSH access: run the two fixed commands, and predict XAPI's next start from the
// host's files (read over SFTP, judged by the conf module's startup linter).
import type { LintReport } from '../../conf'
import type { HostAccess } from '../../ssh'
import type { Settings } from '../../settings/settings'
import { isSshConfigured } from '../access'
import { readHostConfig } from '../hosts/read-config'
import type { RestartHostAccess } from './modes'
import type { StartupPrediction } from './types'

export function sshRestartAccess(access: HostAccess, settings: Settings): RestartHostAccess {
  return {
    unavailableReason: () => (isSshConfigured(settings) ? undefined : 'SSH access is not configured: no SSH password is set'),
    run: (host, command, timeoutMs) => access.withHost(host, session => session.run(command, { timeoutMs })),
    predictStartup: async host => predictionOf((await readHostConfig(access, host)).report),
  }
}

export function predictionOf(report: LintReport): StartupPrediction {
  const errors = report.problems.filter(problem => problem.severity === 'error')
  return {
    starts: report.outcome === 'starts',
    exitCode: report.outcome === 'exit1' ? 1 : report.outcome === 'exit2' ? 2 : undefined,
    problems: errors.map(({ file, line, key, message }) => ({
      file: file ?? '/etc/xapi.conf.d',
      line: line ?? undefined,
      key: key ?? undefined,
      message,
    })),
  }
}
