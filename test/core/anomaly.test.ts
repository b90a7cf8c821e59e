import { afterEach, describe, expect, it } from 'vitest';
import { detectAnomaly, tensor } from '@gradlab/core';

afterEach(() => {
  detectAnomaly(false);
});

describe('detectAnomaly', () => {
  it('is off by default: NaN flows through silently', () => {
    expect(Number.isNaN(tensor([-1]).log().item())).toBe(true);
  });

  it('names the op that first produces NaN in the forward pass, with its input shapes', () => {
    detectAnomaly(true);
    const x = tensor([[1, -1]]);
    expect(() => x.mul(2).log().sum()).toThrow('log: produced NaN at element 1 of its output of shape [1,2] (inputs of shape [1,2]); anomaly detection is on');
  });

  it('names the op whose backward produces Infinity', () => {
    const x = tensor([0, 4], { requiresGrad: true });
    const y = x.sqrt().sum(); // finite forward; d sqrt/dx = 1/(2 sqrt x) is Infinity at 0
    detectAnomaly(true);
    expect(() => y.backward()).toThrow('backward of pow: produced Infinity in the gradient of input 0 (inputs of shape [2]), at element 0');
  });

  it('returns the previous setting', () => {
    expect(detectAnomaly(true)).toBe(false);
    expect(detectAnomaly(false)).toBe(true);
  });
});
