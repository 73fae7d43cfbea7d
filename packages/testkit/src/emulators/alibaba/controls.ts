import type { EmulatorResponse, EmulatorServer, Fault } from '../http.js';

/**
 * The test controls the Alibaba emulators (KMS, RDS, Serverless Workflow) share: call counts and
 * logs per action, faults aimed at an action, the service's own error answers, and stopping.
 */
export interface AlibabaEmulatorControls<Action extends string, ErrorCode extends string> {
  /** Calls received per action, faulted ones included. */
  calls(): Record<string, number>;
  /** Calls received for one action. */
  callCount(action: Action): number;
  /** Actions received since the last reset, in order, faulted ones included. */
  callLog(): Action[];
  /** Forgets the call counts and the call log. */
  resetCalls(): void;
  /**
   * Arms a fault for the next `times` (default 1) calls of one action, or of every one (`'*'`):
   * `throttle` answers the service's throttling error, `error` its internal error unless a response
   * is given, `latency` delays, `drop` closes the connection without an answer, `lose-answer` carries
   * the call out and then closes the connection without answering.
   */
  injectFault(fault: Fault & { operation: Action | '*' }): void;
  /** Disarms every fault. */
  clearFaults(): void;
  /** The service's error answer for `code`, to use as an `error` fault's response. */
  errorResponse(code: ErrorCode): EmulatorResponse;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/** The controls of an emulator served by `server`, whose protocol renders the service's error answers. */
export function alibabaEmulatorControls<Action extends string, ErrorCode extends string>(
  server: EmulatorServer,
  protocol: { errorResponseFor(code: ErrorCode): EmulatorResponse },
): AlibabaEmulatorControls<Action, ErrorCode> {
  return {
    calls: () => server.callCounts(),
    callCount: (action) => server.calls(action),
    callLog: () => server.callLog() as Action[],
    resetCalls: () => server.resetCalls(),
    injectFault: (fault) => server.injectFault(fault),
    clearFaults: () => server.clearFaults(),
    errorResponse: (code) => protocol.errorResponseFor(code),
    close: () => server.close(),
  };
}
