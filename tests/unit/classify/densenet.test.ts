import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
	DENSENET_VARIANTS,
	denseNetLayout,
	featureMapSize,
	parameterCount,
	tfjsLayerName,
	variantConfig,
	weightSpecs,
	type DenseNetConfig
} from '../../../src/lib/core/classify/densenet';
import { hwioToOihw, oihwToHwio, transpose2d } from '../../../src/lib/core/classify/weight-transforms';
import { ParamError } from '../../../src/lib/core/formats/errors';

/**
 * Fingerprints of torchvision 0.14.1's `DenseNet(...).state_dict()`: sha256 of the lines
 * `key:dim,dim,…` joined by '\n' (in state-dict order), computed with Debian's python3-torchvision.
 */
function fingerprint(config: DenseNetConfig): [string, number] {
	const specs = weightSpecs(denseNetLayout(config));
	const text = specs.map((w) => `${w.key}:${w.shape.join(',')}`).join('\n');
	return [createHash('sha256').update(text).digest('hex'), specs.length];
}

describe('DenseNet description', () => {
	it('counts parameters as spec B5 (torchvision) says for every variant', () => {
		// B5's table, parameters for C = 2; torchvision densenet121 with 1000 classes has 7,978,856.
		expect(parameterCount(variantConfig('densenet121', 2))).toBe(6_955_906);
		expect(parameterCount(variantConfig('densenet121-k12', 2))).toBe(1_000_466);
		expect(parameterCount(variantConfig('compact-k12', 2))).toBe(305_042);
		expect(parameterCount(variantConfig('compact-k16', 2))).toBe(358_882);
		expect(parameterCount(variantConfig('densenet121', 1000))).toBe(7_978_856);
		for (const c of [1, 3, 7]) expect(parameterCount(variantConfig('densenet121', c))).toBe(6_953_856 + 1025 * c);
		const d169: DenseNetConfig = { growthRate: 32, blockConfig: [6, 12, 32, 32], numInitFeatures: 64, bnSize: 4, numClasses: 1000, head: { kind: 'linear' } };
		expect(parameterCount(d169)).toBe(14_149_480);
		// Mycol's head: Linear(1024, 128) + Linear(128, 4) = 131,200 + 516 (torch: 7,085,572).
		expect(parameterCount(variantConfig('densenet121', 4, { kind: 'mlp', hidden: 128 }))).toBe(7_085_572);
	});

	it("lists every state-dict key and shape in torchvision's order", () => {
		expect(fingerprint(variantConfig('densenet121', 1000))).toEqual(['f4f688bcf5013206362e511955d6a6a9ca604bdbea9f401161a98b46e17c6883', 727]);
		expect(fingerprint(variantConfig('compact-k12', 2))).toEqual(['ca007fb382524d9452739a854dd3e78343e3b1ba7de2dd29f003a7119ea1690e', 337]);
		expect(fingerprint(variantConfig('densenet121', 4, { kind: 'mlp', hidden: 128 }))).toEqual(['2bfc1ca5cc1f95d8f44780579a052fad6392254ee72c8c7fb70cc5242b3103d9', 729]);
	});

	it('has the channel counts and spatial sizes of B5', () => {
		const l = denseNetLayout(variantConfig('densenet121', 2));
		expect(l.blocks.map((b) => [b.inChannels, b.outChannels, b.transition?.conv.outChannels ?? null])).toEqual([
			[64, 256, 128],
			[128, 512, 256],
			[256, 1024, 512],
			[512, 1024, null]
		]);
		expect(l.numFeatures).toBe(1024);
		const c = variantConfig('densenet121', 2);
		expect([64, 96, 128].map((s) => featureMapSize(c, s))).toEqual([2, 3, 4]);
		expect(l.blocks[1].layers[6].conv2).toEqual({ name: 'features.denseblock2.denselayer7.conv2', inChannels: 128, outChannels: 32, kernel: 3, stride: 1, pad: 1 });
		expect(tfjsLayerName(l.blocks[1].layers[6].conv2.name)).toBe('features_denseblock2_denselayer7_conv2');
		expect(Object.keys(DENSENET_VARIANTS)).toContain('compact-k12');
	});

	it('refuses impossible configurations with a sentence', () => {
		expect(() => variantConfig('densenet121', 0)).toThrow(ParamError);
		expect(() => variantConfig('densenet121', 0)).toThrow('number of classes must be a whole number');
		expect(() => denseNetLayout({ ...variantConfig('compact-k12', 2), blockConfig: [] })).toThrow('needs 1 to 16 dense blocks');
		expect(() => denseNetLayout({ ...variantConfig('compact-k12', 2), growthRate: 2.5 })).toThrow('growth rate');
	});
});

describe('torch ↔ tfjs weight layouts', () => {
	it('transposes a conv kernel OIHW → HWIO (hand-worked) and back', () => {
		// O = 2, I = 1, 2 × 2 kernel: w[o][0][y][x] = 10·o + 2·y + x.
		const oihw = { shape: [2, 1, 2, 2], data: Float32Array.from([0, 1, 2, 3, 10, 11, 12, 13]) };
		const hwio = oihwToHwio(oihw);
		expect(hwio.shape).toEqual([2, 2, 1, 2]);
		// HWIO element [y][x][0][o] at ((y·2 + x)·1 + 0)·2 + o.
		expect([...hwio.data]).toEqual([0, 10, 1, 11, 2, 12, 3, 13]);
		expect(hwioToOihw(hwio)).toEqual(oihw);
	});

	it('transposes a Linear weight [out, in] → [in, out]', () => {
		const t = transpose2d({ shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
		expect(t.shape).toEqual([3, 2]);
		expect([...t.data]).toEqual([1, 4, 2, 5, 3, 6]);
	});
});
