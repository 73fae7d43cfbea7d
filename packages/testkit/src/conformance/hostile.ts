/** Names and passwords that break naive statement building. */
export const HOSTILE_USERNAMES: readonly string[] = [
  `o'brien`,
  'back\\slash',
  'semi;colon',
  'dash--dash',
  'per%cent',
  'quo"te',
  'bra]ck`et',
  'ünï_çødé',
];

/** Passwords that break naive statement building. */
export const HOSTILE_PASSWORDS: readonly string[] = [
  `it's'; DROP TABLE x; --`,
  'back\\\\slash\\',
  '$$dollar$$ quoted',
  '%_wild%_',
  '"double" `tick` ]bracket[',
  'ünïcødé-пароль-密码',
];
