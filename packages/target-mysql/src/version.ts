/** Which server family a version string belongs to. */
export type ServerFlavor = 'mysql' | 'mariadb';

/** A server's family and version, as the statement builders need it. */
export interface ServerVersion {
  readonly flavor: ServerFlavor;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/**
 * Reads `SELECT VERSION()` (and `@@version_comment`) into a flavor and a version number.
 * MariaDB says so in its version string (`10.11.6-MariaDB-log`, or behind the `5.5.5-` prefix its
 * handshake uses); a build that leaves it out is still recognised by its version comment.
 */
export function parseServerVersion(version: string, versionComment = ''): ServerVersion {
  const mariadb = /mariadb/i.test(version) || /mariadb/i.test(versionComment);
  const text = mariadb ? version.replace(/^5\.5\.5-/, '') : version;
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) throw new Error(`unrecognised server version ${JSON.stringify(version)}`);
  return {
    flavor: mariadb ? 'mariadb' : 'mysql',
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3] ?? 0),
  };
}

/** Whether `server` is of `flavor` and at least `major.minor.patch`. */
export function atLeast(server: ServerVersion, flavor: ServerFlavor, major: number, minor = 0, patch = 0): boolean {
  if (server.flavor !== flavor) return false;
  if (server.major !== major) return server.major > major;
  if (server.minor !== minor) return server.minor > minor;
  return server.patch >= patch;
}
