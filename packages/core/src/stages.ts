/** The three stages a rotation moves a secret's versions through. */
export type Stage = 'current' | 'pending' | 'previous';

/** Every stage, in the order a rotation reads them. */
export const STAGES: readonly Stage[] = ['current', 'pending', 'previous'];

/** How a store names each stage (each provider exports its cloud's). */
export type StageLabels = Readonly<Record<Stage, string>>;

/** The version id each stage sits on now; a stage on no version is absent. */
export interface StagePointers {
  current?: string;
  pending?: string;
  previous?: string;
}

/** Maps a cloud's label back to a rotakit stage, or undefined for a label rotakit does not manage. */
export function stageOfLabel(labels: StageLabels, label: string): Stage | undefined {
  for (const stage of STAGES) if (labels[stage] === label) return stage;
  return undefined;
}
