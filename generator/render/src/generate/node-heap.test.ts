import { describe, expect, it } from 'vitest';
import { nodeHeapOptions, quantityBytes } from './node-heap.ts';

describe('quantityBytes', () => {
  it('reads binary and decimal Kubernetes memory quantities', () => {
    expect(quantityBytes('512Mi')).toBe(512 * 2 ** 20);
    expect(quantityBytes('1Gi')).toBe(2 ** 30);
    expect(quantityBytes('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(quantityBytes('500M')).toBe(500e6);
    expect(quantityBytes('268435456')).toBe(268435456);
    expect(quantityBytes('64Ki')).toBe(65536);
  });

  it('answers undefined for what is not a quantity', () => {
    for (const bad of ['', 'Mi', '512 Mi', '512mb', '-1Gi', '1e9', '0x10'])
      expect(quantityBytes(bad)).toBeUndefined();
  });
});

describe('nodeHeapOptions', () => {
  it('gives the old generation half the limit and an 8 MiB semi-space', () => {
    expect(nodeHeapOptions('512Mi')).toBe('--max-old-space-size=256 --max-semi-space-size=8');
    expect(nodeHeapOptions('256Mi')).toBe('--max-old-space-size=128 --max-semi-space-size=8');
    expect(nodeHeapOptions('1G')).toBe('--max-old-space-size=476 --max-semi-space-size=8');
  });

  it('sets nothing for a limit too small to size a heap from, or one it cannot read', () => {
    expect(nodeHeapOptions('100Mi')).toBeUndefined();
    expect(nodeHeapOptions('lots')).toBeUndefined();
  });
});
