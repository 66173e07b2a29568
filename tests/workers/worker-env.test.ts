import { describe, expect, it } from 'vitest';
import { workerEnvironment } from '../../src/workers/worker-env.js';

describe('worker environment', () => {
  it('keeps the environment and the extras, sets the index and MALLOC_ARENA_MAX, drops NODE_EXTRA_CA_CERTS', () => {
    const base = { PATH: '/bin', NODE_EXTRA_CA_CERTS: '/etc/ca.pem', LANG: 'C' };
    expect(workerEnvironment(1, { EXTRA: 'x' }, base)).toEqual({ PATH: '/bin', LANG: 'C', EXTRA: 'x', MALLOC_ARENA_MAX: '2', TITLEWAVE_WORKER_INDEX: '1' });
    expect(workerEnvironment(0, {}, { MALLOC_ARENA_MAX: '8' }).MALLOC_ARENA_MAX).toBe('8');
  });
});
