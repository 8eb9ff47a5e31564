/**
 * The CPnet ONNX graph against Python Cellpose 3.1: `net/` fixtures are `net(x)` in eval mode
 * under torch (README: y within 1e-4, style within 1e-5). Run with onnxruntime-node (CPU EP) and
 * onnxruntime-web (WASM EP), the two runtimes Node code uses.
 */
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../helpers/arrays';
import { sharedBytes } from '../shared';
import { readNpy, type NpyArray } from '../../../src/lib/core/formats/npy';
import { ModelError } from '../../../src/lib/core/formats/errors';
import { readCellposeModel, type CellposeWeights } from '../../../src/lib/core/cellpose/weights';
import { buildCellposeOnnx, CELLPOSE_ONNX_IO, type BatchNormMode } from '../../../src/lib/core/cellpose/graph';
import { inspectCellposeOnnx } from '../../../src/lib/core/cellpose/onnx-inspect';
import { ProtoReader } from '../../../src/lib/core/onnx/protobuf';
import { createSession, releaseSession, run } from '../../../src/lib/runtime/ort-node';

const NET = 'fixtures/cellpose-3.1/net/';

function npy(rel: string): NpyArray {
	const a = readNpy(rel, sharedBytes(rel));
	if (a.kind !== 'array') throw new Error(`${rel} is not a numeric array`);
	return a;
}

const modelCache = new Map<string, CellposeWeights>();
function model(rel: string): CellposeWeights {
	let w = modelCache.get(rel);
	if (!w) {
		w = readCellposeModel(rel.split('/').pop()!, sharedBytes(rel));
		modelCache.set(rel, w);
	}
	return w;
}

/** Node op types of a ModelProto, counted (read with our protobuf reader). */
function countOps(bytes: Uint8Array): Map<string, number> {
	const counts = new Map<string, number>();
	const r = new ProtoReader(bytes);
	for (let f = r.next(); f; f = r.next()) {
		if (f.field !== 7) {
			r.skip(f.wire);
			continue;
		}
		const g = r.message();
		for (let h = g.next(); h; h = g.next()) {
			if (h.field !== 1) {
				g.skip(h.wire);
				continue;
			}
			const n = g.message();
			for (let k = n.next(); k; k = n.next()) {
				if (k.field === 4) {
					const op = n.string();
					counts.set(op, (counts.get(op) ?? 0) + 1);
				} else n.skip(k.wire);
			}
		}
	}
	return counts;
}

const MODELS = ['cpnet_tiny', 'cpnet_mid'];
const INPUTS = ['in_224x224', 'in_160x256'];

describe('buildCellposeOnnx vs Python Cellpose 3.1 (net/ fixtures)', () => {
	for (const backend of ['node', 'wasm'] as const) {
		for (const name of MODELS) {
			it(`${name} on ${backend}: y within 1e-4, style within 1e-5`, async () => {
				const w = model(`${NET}${name}.pth`);
				const s = await createSession(buildCellposeOnnx(w, { name }), { backend });
				try {
					for (const inp of INPUTS) {
						const x = npy(`${NET}${inp}.npy`);
						const [c, h, wd] = x.shape;
						expect(c).toBe(2);
						const out = await run(s, x.data as Float32Array, 1, h, wd);
						const y = npy(`${NET}${name}_${inp}_y.npy`);
						const style = npy(`${NET}${name}_${inp}_style.npy`);
						expect(y.shape).toEqual([3, h, wd]);
						expect(out.style!.length).toBe(w.nbase[4]);
						expect(maxAbsDiff(out.y, y.data as Float32Array), `${inp} y`).toBeLessThanOrEqual(1e-4);
						expect(maxAbsDiff(out.style!, style.data as Float32Array), `${inp} style`).toBeLessThanOrEqual(1e-5);
					}
				} finally {
					await releaseSession(s);
				}
			});
		}
	}

	it('runs a batch of two: each sample as if alone, each style normalised on its own', async () => {
		const w = model(`${NET}cpnet_tiny.pth`);
		const s = await createSession(buildCellposeOnnx(w), { backend: 'node' });
		const x = npy(`${NET}in_224x224.npy`).data as Float32Array;
		const batch = new Float32Array(2 * x.length);
		batch.set(x, 0);
		for (let i = 0; i < x.length; i++) batch[x.length + i] = 2 * x[i]; // a different second sample
		const both = await run(s, batch, 2, 224, 224);
		const first = npy(`${NET}cpnet_tiny_in_224x224_y.npy`).data as Float32Array;
		expect(maxAbsDiff(both.y.subarray(0, first.length), first)).toBeLessThanOrEqual(1e-4);
		const alone = await run(s, batch.subarray(x.length), 1, 224, 224);
		expect(maxAbsDiff(both.y.subarray(first.length), alone.y)).toBeLessThanOrEqual(1e-5);
		expect(maxAbsDiff(both.style!.subarray(64), alone.style!)).toBeLessThanOrEqual(1e-6);
		await releaseSession(s);
	});

	it('the other BatchNorm encodings (Mul+Add, ONNX BatchNormalization) also match', async () => {
		const w = model(`${NET}cpnet_tiny.pth`);
		const x = npy(`${NET}in_160x256.npy`).data as Float32Array;
		const y = npy(`${NET}cpnet_tiny_in_160x256_y.npy`).data as Float32Array;
		for (const mode of ['affine', 'onnx'] as BatchNormMode[]) {
			const s = await createSession(buildCellposeOnnx(w, { batchNorm: mode }), { backend: 'node' });
			expect(maxAbsDiff((await run(s, x, 1, 160, 256)).y, y), mode).toBeLessThanOrEqual(1e-4);
			await releaseSession(s);
		}
	});

	it('folds BatchNorm only where it is exact (counted from the spec by hand)', () => {
		const ops = countOps(buildCellposeOnnx(model(`${NET}cpnet_tiny.pth`)));
		// 41 BNs in CPnet: 8 proj BNs go into their 1×1 convs, 12 into the conv before them
		// (down conv_1/conv_3, up conv_3), 8 style BNs (up conv_1/conv_2) become Mul + the Gemm,
		// 13 stay (down conv_0/conv_2, up conv_0, output).
		expect(ops.get('BatchNormalization')).toBe(13);
		expect(ops.get('Mul')).toBe(8);
		expect(ops.get('Conv')).toBe(41);
		expect(ops.get('Gemm')).toBe(12);
		expect(ops.get('Relu')).toBe(33);
		expect(ops.get('MaxPool')).toBe(3);
		expect(ops.get('Resize')).toBe(3);
	});
});

describe('buildCellposeOnnx with the standard architecture', () => {
	it('builds and runs mycol-fungal-v1 ([2,32,64,128,256]) on a 224×224 tile', async () => {
		const w = model('models/mycol-fungal-v1.pth');
		expect(w.nbase).toEqual([2, 32, 64, 128, 256]);
		const bytes = buildCellposeOnnx(w);
		const sig = inspectCellposeOnnx('mycol-fungal-v1.onnx', bytes);
		expect(sig).toMatchObject({ inputName: 'x', yName: 'y', styleName: 'style', styleDim: 256, height: null, width: null });
		const s = await createSession(bytes, { backend: 'node' });
		const x = new Float32Array(2 * 224 * 224);
		for (let i = 0; i < 224 * 224; i++) x[i] = 0.5 + 0.5 * Math.sin(i * 0.013) * Math.cos(i * 0.0007);
		const out = await run(s, x, 1, 224, 224);
		expect(out.y.length).toBe(3 * 224 * 224);
		expect(out.y.every(Number.isFinite)).toBe(true);
		expect(out.style!.length).toBe(256);
		let n2 = 0;
		for (const v of out.style!) n2 += v * v;
		expect(Math.abs(Math.sqrt(n2) - 1)).toBeLessThan(1e-6);
		await releaseSession(s);
	});
});

describe('buildCellposeOnnx refusals', () => {
	it('names a missing or misshapen tensor', () => {
		const w = model(`${NET}cpnet_tiny.pth`);
		const missing = new Map(w.tensors);
		missing.delete('upsample.up.res_up_1.conv.conv_2.full.weight');
		expect(() => buildCellposeOnnx({ ...w, tensors: missing }, { name: 'cut.pth' })).toThrow(ModelError);
		expect(() => buildCellposeOnnx({ ...w, tensors: missing }, { name: 'cut.pth' })).toThrow(
			/^cut\.pth: the model has no tensor 'upsample\.up\.res_up_1\.conv\.conv_2\.full\.weight'/
		);
		const bad = new Map(w.tensors);
		bad.set('output.0.running_var', { shape: [7], data: new Float32Array(7) });
		expect(() => buildCellposeOnnx({ ...w, tensors: bad }, { name: 'bad.pth' })).toThrow(/'output\.0\.running_var' has shape \[7\]/);
	});

	it('exports the names its graph uses', () => {
		expect(CELLPOSE_ONNX_IO).toEqual({ input: 'x', y: 'y', style: 'style' });
	});
});
