/** The exit codes every command uses. */
export const EXIT_CODES = {
  /** Done, and nothing found. */
  ok: 0,
  /** A finding (a stuck or broken secret) or a failure (the cloud or the database refused). */
  finding: 1,
  /** Bad usage: an unknown command or option, a missing argument, a bad value. */
  usage: 2,
} as const;

/** One of {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
