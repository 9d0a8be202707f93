// The TCP socket under an SSH connection. ssh2 writes every SSH packet on its own; requests the plugin
// sends together (an SFTP read's bytes and close, a listing's two batches) would each cost a
// syscall and, with Nagle's algorithm, wait for the previous one's ACK behind a WAN link. Here the
// packets written in one turn of the event loop leave in one writev, without delay.
import { connect, type Socket } from 'node:net'

export function connectBatching(host: string, port: number): Socket {
  const socket = connect({ host, port, noDelay: true })
  const write = socket.write
  let corked = false
  // Set after connect(), which puts the prototype's write back on the socket.
  socket.write = function (this: Socket, ...args: unknown[]): boolean {
    if (!corked) {
      corked = true
      socket.cork()
      process.nextTick(() => {
        corked = false
        socket.uncork()
      })
    }
    return (write as (...a: unknown[]) => boolean).apply(socket, args)
  } as Socket['write']
  return socket
}
