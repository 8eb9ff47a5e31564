/**
 * A Cellpose model ready to run: from Cellpose's own `.pth` (weights → our ONNX graph) or from a
 * user's ONNX export of a Cellpose net (checked for (N, 2, H, W) → (N, 3, H, W)). The runtime then
 * only needs the ONNX bytes, the I/O names and the model's diameters.
 */
import { ModelError } from '../formats/errors';
import { isZipOrPickle } from './model-sniff';
import { buildCellposeOnnx, CELLPOSE_ONNX_IO } from './graph';
import { inspectCellposeOnnx } from './onnx-inspect';
import { readCellposeModel } from './weights';

export interface PreparedModel {
	name: string;
	source: 'pth' | 'onnx';
	onnx: Uint8Array;
	io: { input: string; y: string; style: string | null };
	/** The diameter the network was trained at (`diam_mean`) and the training cells' mean diameter (`diam_labels`). */
	diamMean: number;
	diamLabels: number;
	/** Channels per level, when known (from a `.pth`). */
	nbase: number[] | null;
	/** A fixed tile size the ONNX file requires, or null (any multiple of 8). */
	tile: { height: number; width: number } | null;
	/** A fixed batch size the ONNX file requires, or null. */
	batch: number | null;
	notes: string[];
}

/** Prepare a model file (Cellpose `.pth`/`.pt`, a built-in file without extension, or `.onnx`). */
export function prepareCellposeModel(name: string, bytes: Uint8Array): PreparedModel {
	if (bytes.length === 0) throw new ModelError(name, 'the file is empty');
	if (isZipOrPickle(bytes)) {
		const w = readCellposeModel(name, bytes);
		const notes: string[] = [];
		if (!w.diamLabelsFromFile) notes.push(`The file has no diam_labels; ${w.diamLabels} is used, as Cellpose does.`);
		return {
			name,
			source: 'pth',
			onnx: buildCellposeOnnx(w, { name }),
			io: { ...CELLPOSE_ONNX_IO },
			diamMean: w.diamMean,
			diamLabels: w.diamLabels,
			nbase: w.nbase,
			tile: null,
			batch: null,
			notes
		};
	}
	const sig = inspectCellposeOnnx(name, bytes);
	const tile = sig.height !== null && sig.width !== null ? { height: sig.height, width: sig.width } : null;
	if ((sig.height === null) !== (sig.width === null)) {
		throw new ModelError(name, 'the input fixes only one of height and width; export the network with both fixed or both free');
	}
	const notes = ['An ONNX file carries no cell diameter: Mycol assumes the network was trained at 30 pixels (Cellpose’s diam_mean); give the diameter of your cells.'];
	if (!sig.styleName) notes.push('The model has no style output; styles are not reported.');
	return {
		name,
		source: 'onnx',
		onnx: bytes,
		io: { input: sig.inputName, y: sig.yName, style: sig.styleName },
		diamMean: 30,
		diamLabels: 30,
		nbase: null,
		tile,
		batch: sig.batch,
		notes
	};
}
