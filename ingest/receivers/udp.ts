import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';

/** A bound UDP socket that hands every datagram to `onPacket`. */
export interface UdpReceiver {
  /** Binds and resolves with the port (useful when 0 was asked for). */
  start(): Promise<number>;
  stop(): Promise<void>;
}

/** Options of {@link createUdpReceiver}. */
export interface UdpReceiverOptions {
  readonly host: string;
  readonly port: number;
  /** Socket receive buffer asked of the kernel; large buffers absorb bursts. */
  readonly recvBufferBytes?: number;
}

/**
 * Creates a UDP receiver. It only moves bytes: `onPacket` gets each datagram (the buffer is its own,
 * Node allocates one per datagram) and the sender's address; it must not throw.
 */
export function createUdpReceiver(opts: UdpReceiverOptions, onPacket: (msg: Buffer, from: string) => void): UdpReceiver {
  const socket = dgram.createSocket({ type: isIPv6(opts.host) ? 'udp6' : 'udp4', reuseAddr: false });
  socket.on('message', (msg, rinfo) => onPacket(msg, rinfo.address));
  return {
    start: () =>
      new Promise((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(opts.port, opts.host, () => {
          socket.off('error', reject);
          socket.on('error', () => {});
          try {
            socket.setRecvBufferSize(opts.recvBufferBytes ?? 8 * 1024 * 1024);
          } catch {
            // The kernel caps the size (net.core.rmem_max); the default buffer still works.
          }
          resolve(socket.address().port);
        });
      }),
    stop: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
