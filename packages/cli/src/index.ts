/**
 * The rotakit command line (`rotakit status | rotate | recover | doctor | fleet`), and the same commands as a
 * function for scripts and tests that would rather not spawn a process.
 *
 * @module @rotakit/cli
 */
export { EXIT_CODES, runCli } from './cli.js';
export type { CliIo, ExitCode } from './cli.js';
export type { ProgressStream } from './progress.js';
export { CLOUDS, inferCloud } from './cloud.js';
export type { CloudName } from './cloud.js';
export type { CheckOutcome, DoctorCheck, DoctorReport } from './doctor.js';
export { verdictOf } from './verdict.js';
export type { LoginCheck, StageRow, Verdict, VerdictFacts } from './verdict.js';
