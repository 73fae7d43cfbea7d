import { alternatingUsers, InvalidOptionsError, rotate, singleUser, type RotationEvent, type Strategy } from '@rotakit/core';
import type { CloudSecrets, RotationEnd, RotationRequest } from './cloud.js';
import type { TargetPicker } from './targets.js';

/** The strategies `--strategy` names. */
export const STRATEGIES = ['single', 'alternating'] as const;

/** What `rotate` reports: the steps as they happened, and how it ended. */
export interface RotateReport {
  readonly secretId: string;
  readonly mode: 'cloud' | 'local';
  readonly token: string;
  readonly steps: readonly string[];
  readonly ok: boolean;
  readonly reason?: string;
}

/** Asks the cloud to rotate and follows the rotation to its end, printing each step seen. */
export async function rotateInCloud(
  secrets: CloudSecrets,
  secretId: string,
  options: { readonly waitMs: number; readonly onStep: (step: string) => void; readonly request?: RotationRequest },
): Promise<RotateReport> {
  if (secrets.requestRotation === undefined || secrets.followRotation === undefined) {
    throw new InvalidOptionsError(`rotate on --cloud ${secrets.cloud} through the cloud is not in this version of the CLI; --local runs the rotation here`, { field: '--local' });
  }
  const steps: string[] = [];
  const step = (text: string): void => {
    steps.push(text);
    options.onStep(text);
  };
  const token = await secrets.requestRotation(secretId, options.request ?? {});
  step(`requested: rotation ${token}`);
  const end: RotationEnd = await secrets.followRotation(secretId, token, step, Date.now() + options.waitMs);
  return { secretId, mode: 'cloud', token, steps, ok: end.ok, ...(end.reason === undefined ? {} : { reason: end.reason }) };
}

/** Runs core's four steps in this process on the cloud's store and a target picked from the current credentials. */
export async function rotateLocally(
  secrets: CloudSecrets,
  secretId: string,
  options: { readonly picker: TargetPicker; readonly strategy: Strategy; readonly onStep: (step: string) => void },
): Promise<RotateReport> {
  if (secrets.localStore === undefined) {
    throw new InvalidOptionsError(`--local is not possible on --cloud ${secrets.cloud}: only the service opens its rotation jobs`, { field: '--local' });
  }
  const { store, secretId: storeId } = secrets.localStore(secretId);
  const steps: string[] = [];
  let token = '';
  const onEvent = (event: RotationEvent): void => {
    token = event.token;
    const text = eventText(event);
    if (text === undefined) return;
    steps.push(text);
    options.onStep(text);
  };
  try {
    await rotate({ store, target: (credentials) => options.picker.targetFor(credentials), strategy: options.strategy, schema: secrets.schema, secretId: storeId, onEvent });
    return { secretId, mode: 'local', token, steps, ok: true };
  } catch (error) {
    // Core's errors are scrubbed of every secret the rotation saw.
    const reason = error instanceof Error ? `${(error as { code?: string }).code ?? 'Unexpected'}: ${error.message}` : String(error);
    return { secretId, mode: 'local', token, steps, ok: false, reason };
  }
}

/** The strategy `--strategy` names. */
export function strategyOf(name: (typeof STRATEGIES)[number] | undefined): Strategy {
  return name === 'alternating' ? alternatingUsers() : singleUser();
}

function eventText(event: RotationEvent): string | undefined {
  switch (event.type) {
    case 'step.succeeded':
      return `${event.step}: done`;
    case 'step.skipped':
      return `${event.step}: skipped (${event.reason})`;
    case 'step.failed':
      return `${event.step}: failed (${event.error.code}: ${event.error.message})`;
    default:
      return undefined;
  }
}
