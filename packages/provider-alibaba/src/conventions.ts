import { defineCredentialSchema, type CredentialSchema, type StageLabels, type StepName } from '@rotakit/core';

/** The suffix of the other account in Alibaba's dual-account rotation. */
export const ALTERNATE_SUFFIX = '_rt';

/**
 * Alibaba's secret convention: `AccountName, AccountPassword, Endpoint, Port, DBName, SSL,
 * MasterSecret`, and `_rt` for the alternate user (the suffix of Alibaba's dual-account rotation).
 */
export const alibabaSchema: CredentialSchema = defineCredentialSchema({
  name: 'alibaba',
  fields: {
    username: 'AccountName',
    password: 'AccountPassword',
    host: 'Endpoint',
    port: 'Port',
    database: 'DBName',
    tls: 'SSL',
    masterSecret: 'MasterSecret',
  },
  alternateSuffix: ALTERNATE_SUFFIX,
});

/** KMS's version stages of rotakit's stages. */
export const KMS_STAGE_LABELS: StageLabels = { current: 'ACSCurrent', pending: 'ACSPending', previous: 'ACSPrevious' };

/** The steps of Alibaba's rotation workflow, in order. */
export const FC_STEPS = ['new', 'set', 'test', 'end'] as const;

/** One of {@link FC_STEPS}. */
export type FcStep = (typeof FC_STEPS)[number];

/** Alibaba's step names mapped to core's. */
export const FC_STEP_TO_CORE: Readonly<Record<FcStep, StepName>> = { new: 'create', set: 'set', test: 'test', end: 'finish' };
