/**
 * The `.pth` writer against files PyTorch itself wrote: rewriting the `net/` fixture models and the
 * built-in model (`torch.save(state_dict)` under torch 1.13) from their tensors gives the same
 * bytes. Plus round trips through our reader for the cases those files do not have.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTorchStateDict } from '../../../src/lib/core/formats/torch-pth';
import { writeTorchStateDict, type TorchTensorOut } from '../../../src/lib/core/formats/torch-pth-writer';
import { cpnetModuleVersions, cpnetStateKeys, readBatchesTracked } from '../../../src/lib/core/cellpose/train/state-dict';
import { projectRoot, sharedBytes } from '../shared';

function tensorsOf(file: string, bytes: Uint8Array): TorchTensorOut[] {
	return [...readTorchStateDict(file, bytes)].map(([key, t]) => ({ key, dtype: t.dtype as TorchTensorOut['dtype'], shape: t.shape, data: t.data as Float32Array }));
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
	const n = Math.min(a.length, b.length);
	for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
	return a.length === b.length ? -1 : n;
}

describe('writeTorchStateDict', () => {
	for (const name of ['cpnet_tiny', 'cpnet_mid']) {
		it(`rewrites net/${name}.pth byte for byte (pickle memo, _metadata, zip layout, 64-byte alignment)`, () => {
			const rel = `fixtures/cellpose-3.1/net/${name}.pth`;
			const bytes = sharedBytes(rel);
			const out = writeTorchStateDict(tensorsOf(name, bytes), { archiveName: name, metadata: cpnetModuleVersions(4) });
			expect(firstDifference(out, bytes)).toBe(-1);
		});
	}

	it('rewrites the built-in 26 MB model (nbase [2, 32, 64, 128, 256]) byte for byte', () => {
		const b = readFileSync(resolve(projectRoot, 'models/mycol-fungal-v1.pth'));
		const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
		const out = writeTorchStateDict(tensorsOf('mycol-fungal-v1.pth', bytes), { archiveName: 'mycol_default', metadata: cpnetModuleVersions(4) });
		expect(out.length).toBe(bytes.length);
		expect(firstDifference(out, bytes)).toBe(-1);
	});

	it('round-trips through our reader: 0-d and int64 tensors, float64, over 256 memo entries and over 1000 keys', () => {
		const tensors: TorchTensorOut[] = [];
		for (let i = 0; i < 1203; i++) tensors.push({ key: `layer.${i}.weight`, dtype: 'float32', shape: [2, 3], data: Float32Array.from({ length: 6 }, (_, k) => i + k / 8) });
		tensors.push({ key: 'counter', dtype: 'int64', shape: [], data: BigInt64Array.of(-5n) });
		tensors.push({ key: 'big', dtype: 'int64', shape: [2], data: BigInt64Array.of(2n ** 40n, 7n) });
		tensors.push({ key: 'double', dtype: 'float64', shape: [1, 1, 2], data: Float64Array.of(Math.PI, -1e300) });
		tensors.push({ key: 'empty', dtype: 'float32', shape: [0, 4], data: new Float32Array(0) });
		const dict = readTorchStateDict('x.pth', writeTorchStateDict(tensors));
		expect([...dict.keys()]).toEqual(tensors.map((t) => t.key));
		for (const t of tensors) {
			const r = dict.get(t.key)!;
			expect(r.dtype).toBe(t.dtype);
			expect(r.shape).toEqual([...t.shape]);
			expect(Array.from(r.data as ArrayLike<number | bigint>)).toEqual(Array.from(t.data as ArrayLike<number | bigint>));
		}
	});

	it('refuses inconsistent tensors', () => {
		expect(() => writeTorchStateDict([{ key: 'a', dtype: 'float32', shape: [3], data: new Float32Array(2) }])).toThrow("'a' has 2 values for shape (3)");
		expect(() => writeTorchStateDict([{ key: 'a', dtype: 'int64', shape: [1], data: new Float32Array(1) }])).toThrow("'a' is int64 but its values are a Float32Array");
		const t: TorchTensorOut = { key: 'a', dtype: 'float32', shape: [1], data: new Float32Array(1) };
		expect(() => writeTorchStateDict([t, t])).toThrow("the key 'a' appears twice");
	});
});

describe('CPnet state-dict layout', () => {
	it('lists the fixture keys in PyTorch order with their shapes and dtypes, num_batches_tracked included', () => {
		const dict = readTorchStateDict('cpnet_tiny.pth', sharedBytes('fixtures/cellpose-3.1/net/cpnet_tiny.pth'));
		const keys = cpnetStateKeys([2, 8, 16, 32, 64], 3, 3);
		expect(keys.map((k) => k.key)).toEqual([...dict.keys()]);
		for (const k of keys) {
			expect(dict.get(k.key)!.shape).toEqual(k.shape);
			expect(dict.get(k.key)!.dtype).toBe(k.dtype);
		}
		expect(keys.filter((k) => k.dtype === 'int64').length).toBe(4 * 5 + 4 * 5 + 1);
	});

	it("reads the BatchNorm counters (the fixtures' 3 calibration batches)", () => {
		const counts = readBatchesTracked('cpnet_tiny.pth', sharedBytes('fixtures/cellpose-3.1/net/cpnet_tiny.pth'));
		expect(counts.size).toBe(41);
		expect(new Set(counts.values())).toEqual(new Set([3n]));
		expect(counts.has('output.0')).toBe(true);
	});
});
