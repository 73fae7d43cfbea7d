/** The four steps of a rotation, the same in every cloud's adapter. */
export type StepName = 'create' | 'set' | 'test' | 'finish';

/** Every step, in the order they run. */
export const STEPS: readonly StepName[] = ['create', 'set', 'test', 'finish'];

/** An error as events carry it: code, scrubbed message, and whether a retry may succeed. */
export interface EventError {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

interface EventBase {
  readonly secretId: string;
  readonly token: string;
}

/** What a rotation reports while it runs. No event carries a secret value. */
export type RotationEvent =
  | (EventBase & { readonly type: 'rotation.started' })
  | (EventBase & { readonly type: 'rotation.completed'; readonly durationMs: number })
  | (EventBase & { readonly type: 'rotation.failed'; readonly durationMs: number; readonly error: EventError })
  | (EventBase & { readonly type: 'step.started'; readonly step: StepName })
  | (EventBase & { readonly type: 'step.succeeded'; readonly step: StepName; readonly durationMs: number })
  | (EventBase & {
      readonly type: 'step.skipped';
      readonly step: StepName;
      readonly durationMs: number;
      /** Why nothing had to be done. */
      readonly reason: string;
    })
  | (EventBase & {
      readonly type: 'step.failed';
      readonly step: StepName;
      readonly durationMs: number;
      readonly error: EventError;
    });

/** Receives rotation events; a listener that throws is logged and otherwise ignored. */
export type RotationEventListener = (event: RotationEvent) => void;
