/**
 * The titles settings' limits and User-Agent rule live in one module (src/titles/limits.ts): the contract's schema
 * is made from it, and the CLI may go further only where cliTitlesLimits says so. (The CLI's refusals are in
 * cli.test.ts; the app's field errors in tests/e2e/titles-problems.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { parseCommandArgs, titlesSettingsSchema } from '../../src/contract.js';
import { defaultTitlesOptions } from '../../src/titles/defaults.js';
import { cliTitlesLimits, titlesLimits, userAgentProblem } from '../../src/titles/limits.js';

const settings = { concurrency: 64, perHost: 6, timeoutMs: 15_000, retries: 2, userAgent: '', render: 'auto' as const, renderers: 2, renderTimeoutMs: 10_000 };

describe('titles settings limits', () => {
  it('are what the contract accepts, bound for bound', () => {
    for (const key of ['concurrency', 'perHost', 'timeoutMs', 'retries', 'renderers', 'renderTimeoutMs'] as const) {
      const { min, max } = titlesLimits[key];
      expect(titlesSettingsSchema.safeParse({ ...settings, [key]: min }).success, `${key} ${min}`).toBe(true);
      expect(titlesSettingsSchema.safeParse({ ...settings, [key]: max }).success, `${key} ${max}`).toBe(true);
      expect(titlesSettingsSchema.safeParse({ ...settings, [key]: min - 1 }).success, `${key} ${min - 1}`).toBe(false);
      expect(titlesSettingsSchema.safeParse({ ...settings, [key]: max + 1 }).success, `${key} ${max + 1}`).toBe(false);
    }
    expect(titlesSettingsSchema.safeParse({ ...settings, userAgent: 'x'.repeat(titlesLimits.userAgentLength) }).success).toBe(true);
    expect(titlesSettingsSchema.safeParse({ ...settings, userAgent: 'x'.repeat(titlesLimits.userAgentLength + 1) }).success).toBe(false);
    // List mode's rate: more than 0, whole above 1, at most rateMax; its proxy URL at most proxyUrlLength characters.
    for (const rate of [0.5, 1, titlesLimits.rateMax]) expect(titlesSettingsSchema.safeParse({ ...settings, rate }).success, `rate ${rate}`).toBe(true);
    for (const rate of [0, -1, 1.5, titlesLimits.rateMax + 1]) expect(titlesSettingsSchema.safeParse({ ...settings, rate }).success, `rate ${rate}`).toBe(false);
    const proxyOf = (length: number): string => `http://${'p'.repeat(length - 'http://'.length - ':3128'.length)}:3128`;
    expect(titlesSettingsSchema.safeParse({ ...settings, proxy: proxyOf(titlesLimits.proxyUrlLength) }).success).toBe(true);
    expect(titlesSettingsSchema.safeParse({ ...settings, proxy: proxyOf(titlesLimits.proxyUrlLength + 1) }).success).toBe(false);
    for (const render of ['auto', 'never', 'always']) expect(titlesSettingsSchema.safeParse({ ...settings, render }).success, render).toBe(true);
    for (const render of ['sometimes', '', undefined]) expect(titlesSettingsSchema.safeParse({ ...settings, render }).success, String(render)).toBe(false);
  });

  it('hold the engine’s defaults, and the CLI’s are wider or the same, never narrower', () => {
    expect(titlesSettingsSchema.safeParse({ ...settings, ...defaultTitlesOptions, userAgent: defaultTitlesOptions.userAgent }).success).toBe(true);
    for (const key of ['concurrency', 'perHost', 'timeoutMs', 'retries', 'renderers', 'renderTimeoutMs'] as const) {
      expect(cliTitlesLimits[key].min).toBeLessThanOrEqual(titlesLimits[key].min);
      expect(cliTitlesLimits[key].max).toBeGreaterThanOrEqual(titlesLimits[key].max);
    }
  });

  it('refuse a User-Agent that would make every request fail', () => {
    for (const bad of ['Agent\r\nX-Injected: 1', 'line\nbreak', 'nul\u0000', 'bell\u0007', 'del\u007f', 'next\u0085line', '中文', 'emoji 🙂']) {
      expect(userAgentProblem(bad), JSON.stringify(bad)).not.toBeNull();
      expect(() => parseCommandArgs('titles.start', [{ text: 'a.com', settings: { ...settings, userAgent: bad } }]), JSON.stringify(bad)).toThrow(/userAgent/);
    }
    expect(userAgentProblem('x'.repeat(501))).toBe('tooLong');
    expect(userAgentProblem('Mozilla/5.0 (X11; Linux x86_64)\tCafé/1.0')).toBeNull();
    // Blank means the default in the app: not the rule's business.
    expect(userAgentProblem('')).toBeNull();
    expect(parseCommandArgs('titles.start', [{ text: 'a.com', settings: { ...settings, userAgent: '   ' } }])[0].settings.userAgent).toBe('   ');
  });
});
