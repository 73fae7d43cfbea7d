import { connect as netConnect, type Socket } from 'node:net';
import {
  isUnknownAuthority,
  REDACTED,
  StepFailedError,
  TargetAuthFailedError,
  TargetUnreachableError,
  TlsRequiredError,
  type Login,
  type RotakitError,
} from '@rotakit/core';
import sql from 'mssql';
import { UNKNOWN_AUTHORITY_HINT } from './ca-presets.js';
import type { ResolvedMssqlOptions } from './options.js';

const DEFAULT_PORT = 1433;
const PRELOGIN_ENCRYPTION_OPTION = 0x01;
const ENCRYPT_ON = 0x01;
const ENCRYPT_REQUIRED = 0x03;
const TDS_HEADER_LENGTH = 8;
const SESSION_IDLE_MS = 10 * 60_000;

/** What the guarded connector saw: whether it stopped a login the server would not encrypt. */
interface ConnectionWatch {
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
function guardedConnector(requireTls: boolean, watch: ConnectionWatch) {
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

/** An open pool and the config it opens connections with (mssql keeps the object, not a copy). */
export interface OpenPool {
  readonly pool: sql.ConnectionPool;
  readonly config: sql.config;
}

/** Opens a one-connection mssql pool as `login`; failures become typed rotakit errors. */
export async function openPool(login: Login, options: ResolvedMssqlOptions): Promise<OpenPool> {
  const watch: ConnectionWatch = { refusedPlaintext: false };
  const encrypt = login.tls !== 'disable';
  const config: sql.config = {
    server: login.host ?? 'localhost',
    port: login.port ?? DEFAULT_PORT,
    user: login.username,
    password: login.password,
    ...(login.database === undefined ? {} : { database: login.database }),
    connectionTimeout: options.connectTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    // One connection, kept while the session lives: mssql's connect() logs in once to probe and
    // then opens the session's connection on the first request.
    pool: { min: 0, max: 1, idleTimeoutMillis: SESSION_IDLE_MS },
    options: {
      encrypt,
      trustServerCertificate: login.tls === 'require',
      appName: 'rotakit',
      ...(options.tls.servername === undefined ? {} : { serverName: options.tls.servername }),
      ...(options.tls.ca === undefined || login.tls !== 'verify' ? {} : { cryptoCredentialsDetails: { ca: options.tls.ca } }),
      connector: guardedConnector(encrypt, watch),
    } as sql.config['options'],
  };
  const pool = new sql.ConnectionPool(config);
  // The pool reports connection errors as events too; the awaited promise below carries them.
  pool.on('error', () => undefined);
  try {
    await pool.connect();
    return { pool, config };
  } catch (error) {
    await pool.close().catch(() => undefined);
    throw classifyConnectError(error, login, watch.refusedPlaintext);
  }
}

/** Node's and OpenSSL's codes for a certificate or TLS handshake failure. */
const TLS_ERROR_CODE = /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|HOSTNAME_MISMATCH|ERR_OSSL_)/;

function causeChain(error: unknown): { code?: unknown; message?: unknown }[] {
  const chain: { code?: unknown; message?: unknown }[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && chain.length < 5) {
    const link = current as { code?: unknown; message?: unknown; originalError?: unknown; cause?: unknown };
    chain.push(link);
    current = link.originalError ?? link.cause;
  }
  return chain;
}

/** Maps an mssql/tedious login failure to TargetAuthFailed, TlsRequired or TargetUnreachable. */
export function classifyConnectError(error: unknown, login: Pick<Login, 'username' | 'password' | 'host' | 'port' | 'tls'>, refusedPlaintext = false): RotakitError {
  const where = `${login.host ?? 'localhost'}:${login.port ?? DEFAULT_PORT}`;
  if (refusedPlaintext) {
    return new TlsRequiredError(`the SQL Server at ${where} does not offer TLS; tls is ${login.tls}, so the login was not sent`);
  }
  const chain = causeChain(error);
  const code = chain[0]?.code;
  if (code === 'ELOGIN') {
    // SQL Server's login messages name the user and the database, never the password; cut it out all the same.
    const said = typeof chain[0]?.message === 'string' ? chain[0].message.split(login.password).join(REDACTED) : 'login failed';
    return new TargetAuthFailedError(`SQL Server refused the login of ${login.username} at ${where}: ${said}`);
  }
  if (code === 'EENCRYPT') {
    return new TlsRequiredError(`the SQL Server at ${where} requires encryption but tls is disable`);
  }
  const tlsCause = chain.find((link) => typeof link.code === 'string' && TLS_ERROR_CODE.test(link.code));
  if (tlsCause) {
    const hint = isUnknownAuthority(tlsCause.code, tlsCause.message) ? `; ${UNKNOWN_AUTHORITY_HINT}` : '';
    return new TlsRequiredError(`TLS with the SQL Server at ${where} failed under tls ${login.tls} (${String(tlsCause.code)})${hint}`);
  }
  if (code === 'ESOCKET' || code === 'ETIMEOUT' || code === 'EINSTLOOKUP') {
    const detail = chain.map((link) => link.code).filter((c) => typeof c === 'string' && c !== code)[0];
    return new TargetUnreachableError(`the SQL Server at ${where} cannot be reached (${String(code)}${detail ? `, ${String(detail)}` : ''})`);
  }
  return new StepFailedError(`connecting to the SQL Server at ${where} failed (${typeof code === 'string' ? code : 'unknown error'})`, false);
}
