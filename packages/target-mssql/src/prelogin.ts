import { connect as netConnect, type Socket } from 'node:net';

const PRELOGIN_ENCRYPTION_OPTION = 0x01;
const ENCRYPT_ON = 0x01;
const ENCRYPT_REQUIRED = 0x03;
const TDS_HEADER_LENGTH = 8;

/** What the guarded connector saw: whether it stopped a login the server would not encrypt. */
export interface ConnectionWatch {
  refusedPlaintext: boolean;
}

/**
 * Reads the ENCRYPTION answer of the server's PRELOGIN response (the first TDS packet it sends).
 * Undefined until the whole packet has arrived.
 */
export function preloginEncryptionAnswer(firstBytes: Buffer): number | undefined {
  if (firstBytes.length < TDS_HEADER_LENGTH) return undefined;
  const length = firstBytes.readUInt16BE(2);
  if (firstBytes.length < length) return undefined;
  const payload = firstBytes.subarray(TDS_HEADER_LENGTH, length);
  for (let offset = 0; offset + 5 <= payload.length && payload[offset] !== 0xff; offset += 5) {
    if (payload[offset] === PRELOGIN_ENCRYPTION_OPTION) return payload[payload.readUInt16BE(offset + 1)];
  }
  return undefined;
}

/**
 * tedious goes on in plaintext when a server answers PRELOGIN with "encryption not supported",
 * even with `encrypt: true`, and would then send the password unencrypted. This connector (tedious's
 * `connector` option) opens the socket itself and, when TLS is wanted, closes it as soon as the
 * PRELOGIN answer refuses encryption, before the LOGIN7 message is written.
 */
export function guardedConnector(requireTls: boolean, watch: ConnectionWatch) {
  return (target: { host: string; port: number; localAddress?: string | undefined }, _lookup: unknown, signal: AbortSignal): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const socket = netConnect({ host: target.host, port: target.port, ...(target.localAddress ? { localAddress: target.localAddress } : {}) });
      const onAbort = (): void => {
        socket.destroy();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('error', (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      });
      socket.once('connect', () => {
        signal.removeEventListener('abort', onAbort);
        if (requireTls) watchPrelogin(socket, watch);
        resolve(socket);
      });
    });
}

function watchPrelogin(socket: Socket, watch: ConnectionWatch): void {
  let seen = Buffer.alloc(0);
  // The server speaks only after the client's PRELOGIN, which tedious writes after it has piped
  // the socket, so listening here loses no bytes for tedious.
  const onData = (chunk: Buffer): void => {
    seen = Buffer.concat([seen, chunk]);
    const answer = preloginEncryptionAnswer(seen);
    if (answer === undefined && seen.length < 0xffff) return;
    socket.off('data', onData);
    if (answer !== ENCRYPT_ON && answer !== ENCRYPT_REQUIRED) {
      watch.refusedPlaintext = true;
      socket.destroy(new Error('the server does not offer TLS'));
    }
  };
  socket.on('data', onData);
}
