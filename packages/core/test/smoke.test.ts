import { expect, it } from 'vitest';
import { VERSION } from '@rotakit/core';
it('loads', () => { expect(VERSION).toBe('0.1.0'); });
