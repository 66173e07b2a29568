import { describe, expect, it } from 'vitest';
import { titlesJobsHeld } from '../../src/cluster/worker.js';

describe('titles jobs a worker holds', () => {
  it('holds enough jobs that its requests in flight come to about 5/8 of the per-host limit each', () => {
    expect(titlesJobsHeld(50, 8)).toBe(10);
    expect(titlesJobsHeld(100, 6)).toBe(27);
    expect(titlesJobsHeld(100, 100)).toBe(2);
  });

  it('never holds more jobs than requests it may have in flight, nor none', () => {
    expect(titlesJobsHeld(10, 1)).toBe(10);
    expect(titlesJobsHeld(1, 8)).toBe(1);
  });
});
