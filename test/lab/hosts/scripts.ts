// The lab's copies of the two toolstack scripts of /opt/xensource/bin (reference §5.1 and §5.3).
// Same lock, messages and exit codes as XAPI's; the systemctl work is replaced by one request to
// the host's simulated XAPI over its unix socket.

/**
 * Returns when the simulator answers, i.e. once XAPI is running again (`{"state":"up"}`) or has
 * failed to start (`{"state":"down","exitCode":N}`). Like the real script, "running" does not mean
 * "initialised": wait for that with xapi-wait-init-complete.
 */
export const XE_TOOLSTACK_RESTART = `#!/bin/bash
FILENAME=$(basename "$0")
LOCKFILE=/dev/shm/xe_toolstack_restart.lock
SIMULATOR_SOCKET=/var/run/lab-xapi.sock

(
  if ! flock -x -n 200; then
    echo "Exiting: cannot lock $LOCKFILE. Is an instance of $0 running already?"
    exit 1
  fi
  echo "Executing $FILENAME"

  answer=$(curl --silent --show-error --unix-socket "$SIMULATOR_SOCKET" -X POST http://lab/restart 2>&1)
  case "$answer" in
    *'"state":"up"'*) ;;
    *)
      # Shaped like the real script's "<unit> failed to restart, " + systemctl status.
      status=$(printf '%s' "$answer" | sed -n 's/.*"exitCode":\\([0-9]*\\).*/\\1/p')
      echo "xapi.service failed to restart, * xapi.service - XenAPI server (XAPI)"
      echo "   Active: failed (Result: exit-code)"
      echo "  Process: ExecStart=/opt/xensource/libexec/xapi-init start (code=exited, status=\${status:-1}/FAILURE)"
      echo "  lab-xapi: $answer"
      exit 1
      ;;
  esac

  rm -f "$LOCKFILE"
  echo "done."
) 200>"$LOCKFILE"

exit $?
`

/**
 * The real script first exits 0 when /proc/xen is missing. Lab hosts share the machine's /proc,
 * where /proc/xen cannot be created, so this copy leaves that check out: every lab host is on Xen.
 * logger writes its line to stderr even when the host has no syslog socket.
 */
export const XAPI_WAIT_INIT_COMPLETE = `#!/bin/bash
XAPI_INIT_COMPLETE_COOKIE=/var/run/xapi_init_complete.cookie

usage () {
  echo "Usage: $0 <timeout> (seconds) [tag]"
  exit 1
}

[ -n "$1" ] || usage
RETRIES=$1
TAG=\${2:-wait-xapi-init-complete}

while [ "$RETRIES" -ne 0 ]; do
  if [ -e "$XAPI_INIT_COMPLETE_COOKIE" ]; then
    exit 0
  fi
  sleep 1
  RETRIES=$((RETRIES - 1))
done

logger --socket-errors=off --tag "$TAG" --stderr "Failed to detect xapi init complete after $1s"
exit 1
`
