/** `mycol net` — the raw Cellpose network output for one input array, as Cellpose's `net(x)`. */
import { FormatError, ModelError, ParamError, UserError } from '../../src/lib/core/formats/errors';
import { readNpy, writeNpy } from '../../src/lib/core/formats/npy';
import { checkKnown, numberOption, parseArgs, stringOption } from '../args';
import type { Command } from '../command';
import { readInput, writeOutput } from '../files';
import { backendOptions, openNet, resolveModel } from '../models';

export interface Float32Npy {
	shape: number[];
	data: Float32Array;
}

/**
 * A numeric `.npy` as float32 (float64 and integer arrays are converted, as `torch.from_numpy(x).float()`),
 * refusing object arrays and non-finite values with a sentence naming the file.
 */
export function readFloat32Npy(path: string): Float32Npy {
	const { bytes } = readInput(path);
	const a = readNpy(path, bytes);
	if (a.kind === 'object') throw new FormatError(path, 'this .npy file holds pickled objects, not a numeric array');
	if (a.data instanceof BigInt64Array || a.data instanceof BigUint64Array) {
		throw new FormatError(path, `the array holds 64-bit integers (${a.dtype}); save it as float32`);
	}
	const data = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data);
	for (let i = 0; i < data.length; i++) {
		if (!Number.isFinite(data[i])) throw new FormatError(path, `the array holds a non-finite value (${data[i]}) at position ${i}`);
	}
	return { shape: a.shape, data };
}

/** Down-sampling levels of a CPnet with these channel counts: inputs must be multiples of 2^levels. */
function poolFactor(nbase: number[] | null): number | null {
	return nbase ? 2 ** Math.max(0, nbase.length - 2) : null;
}

export const net: Command = {
	name: 'net',
	summary: 'run a Cellpose network on one (2, H, W) float32 array',
	usage: [
		'Usage: mycol net --model M --input X.npy --out Y.npy [--style S.npy] [--backend node|wasm] [--threads N]',
		'',
		'Runs the network alone (no normalisation, tiling or dynamics), as Cellpose 3.1 `net(x)` in eval mode.',
		'  --model M     a Cellpose .pth (or a built-in Cellpose file such as cyto3), an .onnx export, or the',
		'                name of a built-in Mycol model (mycol-fungal-v1)',
		'  --input X     .npy float32 (2, H, W) or (N, 2, H, W); H and W multiples of 8 for the standard net',
		'  --out Y       .npy float32 (3, H, W) = [dY, dX, cellprob logit] ((N, 3, H, W) for a batch)',
		'  --style S     also write the L2-normalised style vector, float32 (S,) ((N, S) for a batch)',
		'  --backend     node (onnxruntime-node) or wasm (onnxruntime-web); default: node where it loads',
		'  --threads N   intra-op threads'
	].join('\n'),
	async run(argv) {
		const args = parseArgs(argv);
		checkKnown(args, ['model', 'input', 'out', 'style', 'backend', 'threads']);
		if (args.positional.length > 0) throw new UserError(undefined, `unexpected argument "${args.positional[0]}"; give the input with --input`);
		const modelPath = stringOption(args, 'model');
		const inputPath = stringOption(args, 'input');
		const outPath = stringOption(args, 'out');
		const stylePath = stringOption(args, 'style');
		if (!modelPath || !inputPath || !outPath) {
			throw new UserError(undefined, 'give --model, --input and --out, e.g. mycol net --model cpnet.pth --input x.npy --out y.npy');
		}
		const opts = backendOptions(stringOption(args, 'backend'), numberOption(args, 'threads'));

		const x = readFloat32Npy(inputPath);
		const batched = x.shape.length === 4;
		if ((x.shape.length !== 3 && !batched) || x.shape[x.shape.length - 3] !== 2) {
			throw new FormatError(inputPath, `the array has shape (${x.shape.join(', ')}); the network takes (2, H, W) or (N, 2, H, W): two channels, channel first`);
		}
		const [n, , h, w] = batched ? x.shape : [1, ...x.shape];
		if (n < 1 || h < 1 || w < 1) throw new FormatError(inputPath, `the array is empty (shape (${x.shape.join(', ')}))`);

		const model = resolveModel(modelPath).prepared;
		const f = poolFactor(model.nbase);
		if (f !== null && (h % f !== 0 || w % f !== 0)) {
			throw new ParamError(inputPath, `the input is ${w} × ${h} pixels; this network needs a height and width that are multiples of ${f}`);
		}
		if (model.tile && (model.tile.height !== h || model.tile.width !== w)) {
			throw new ParamError(inputPath, `the input is ${w} × ${h} pixels, but the model ${model.name} takes exactly ${model.tile.width} × ${model.tile.height}`);
		}
		const runner = await openNet(model, opts);
		try {
			const out = await runner.net(x.data, n, h, w);
			writeOutput(outPath, writeNpy('float32', batched ? [n, 3, h, w] : [3, h, w], out.y));
			if (stylePath) {
				if (!out.style) throw new ModelError(model.name, 'the network has no style output, so --style cannot be written');
				const S = out.style.length / n;
				writeOutput(stylePath, writeNpy('float32', batched ? [n, S] : [S], out.style));
			}
		} finally {
			await runner.release();
		}
		return 0;
	}
};
