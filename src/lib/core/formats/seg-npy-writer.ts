/**
 * Cellpose `_seg.npy` files, written as Cellpose 3.1 `io.masks_flows_to_seg` does under NumPy 1.x:
 * `np.save` of a dict (npy 1.0, 0-d object array, pickle protocol 3, `numpy.core` globals, so
 * NumPy 1 and 2 both load it), keys in Cellpose's order
 * `outlines, masks, chan_choose, ismanual, filename, flows, diameter`:
 *
 * - `masks` uint16 (uint32 when an id reaches 65,535), `outlines` = masks × masks_to_outlines
 *   (outline pixels carry their label), same dtype;
 * - `chan_choose` a list of two ints, `ismanual` a bool array of length max(masks);
 * - `flows`: the five real flow images when given, else the placeholder the Cellpose GUI itself
 *   saves before anything has run (`[[], [], [], [], [[]]]`, from `MainW.reset`), which its
 *   `_load_seg` accepts (it then keeps the masks and does not offer to recompute them);
 * - `diameter` a float.
 *
 * After those, keys the GUI writes too (`model_path`, `flow_threshold`, `cellprob_threshold`,
 * when known) and `mycol_provenance` (JSON text); the GUI's loader ignores keys it does not use.
 */
import type { Labels } from '../raster/types';
import { ParamError } from './errors';
import { ndarray, npySaveObject, pyFloat, type PickleOut } from './pickle-writer';
import { provenanceJson, type Provenance } from './provenance';

/** Flow images as Cellpose stores them for the GUI (all H × W, C order). */
export interface SegFlows {
	/** `plot.dx_to_circ(dP)`: H × W × 3 uint8 RGB. */
	rgb: Uint8Array;
	/** `clip(normalize99(cellprob), 0, 1) · 255`: H × W uint8. */
	cellprob8: Uint8Array;
	/** dY then dX planes: 2 × H × W float32. */
	dP: Float32Array;
	/** Cell probability logits: H × W float32. */
	cellprob: Float32Array;
}

export interface SegNpyInput {
	masks: Labels;
	/** The image's file name, as Cellpose stores it (the GUI also looks for it next to the _seg.npy). */
	filename: string;
	/** Diameter used for segmentation, in pixels. */
	diameter: number;
	/** Cellpose `channels` (default [0, 0], greyscale). */
	chanChoose?: readonly [number, number];
	/** 1 where the label id−1 was drawn by hand; length max id (default: all 0). */
	ismanual?: Uint8Array | null;
	flows?: SegFlows | null;
	provenance?: Provenance | null;
}

/**
 * Outline pixels of each label as Cellpose 3.1 `utils.masks_to_outlines` finds them (OpenCV
 * `findContours(RETR_EXTERNAL, CHAIN_APPROX_NONE)` on each label's bounding-box crop, all points
 * marked): the pixels of the label that have a 4-neighbour in the background region reaching the
 * outside of the crop (4-connected, the dual of OpenCV's 8-connected foreground). Holes and pieces
 * of the label lying inside its own holes are not outlined, as with RETR_EXTERNAL.
 * Returns 1/0 per pixel.
 */
export function masksToOutlines(masks: Labels): Uint8Array {
	const { width: W, height: H, data } = masks;
	const out = new Uint8Array(W * H);
	// Bounding box of every id (ids may be sparse: keep them in a map of boxes).
	const boxes = new Map<number, [number, number, number, number]>();
	for (let y = 0; y < H; y++) {
		for (let x = 0; x < W; x++) {
			const l = data[y * W + x];
			if (l === 0) continue;
			const b = boxes.get(l);
			if (!b) boxes.set(l, [x, y, x, y]);
			else {
				if (x < b[0]) b[0] = x;
				if (x > b[2]) b[2] = x;
				if (y > b[3]) b[3] = y;
			}
		}
	}
	let crop = new Uint8Array(0);
	let stack = new Int32Array(0);
	for (const [l, [x0, y0, x1, y1]] of boxes) {
		// Crop padded by one pixel of background: 1 = label, 0 = other, 2 = outside region.
		const cw = x1 - x0 + 3;
		const ch = y1 - y0 + 3;
		const n = cw * ch;
		if (crop.length < n) {
			crop = new Uint8Array(n);
			stack = new Int32Array(n);
		}
		crop.fill(0, 0, n);
		for (let y = y0; y <= y1; y++) {
			for (let x = x0; x <= x1; x++) if (data[y * W + x] === l) crop[(y - y0 + 1) * cw + (x - x0 + 1)] = 1;
		}
		let top = 0;
		crop[0] = 2;
		stack[top++] = 0;
		while (top > 0) {
			const p = stack[--top];
			const x = p % cw;
			if (x > 0 && crop[p - 1] === 0) {
				crop[p - 1] = 2;
				stack[top++] = p - 1;
			}
			if (x < cw - 1 && crop[p + 1] === 0) {
				crop[p + 1] = 2;
				stack[top++] = p + 1;
			}
			if (p >= cw && crop[p - cw] === 0) {
				crop[p - cw] = 2;
				stack[top++] = p - cw;
			}
			if (p + cw < n && crop[p + cw] === 0) {
				crop[p + cw] = 2;
				stack[top++] = p + cw;
			}
		}
		for (let y = 1; y < ch - 1; y++) {
			for (let x = 1; x < cw - 1; x++) {
				const p = y * cw + x;
				if (crop[p] === 1 && (crop[p - 1] === 2 || crop[p + 1] === 2 || crop[p - cw] === 2 || crop[p + cw] === 2)) {
					out[(y - 1 + y0) * W + (x - 1 + x0)] = 1;
				}
			}
		}
	}
	return out;
}

function numberParam(p: Provenance | null | undefined, key: string): number | null {
	const v = p?.segmentation[key];
	return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Write a Cellpose `_seg.npy` (see the module comment). */
export function writeSegNpy(input: SegNpyInput): Uint8Array {
	const { masks } = input;
	const { width: W, height: H, data } = masks;
	if (data.length !== W * H || W < 1 || H < 1) throw new ParamError('masks', `a ${W} × ${H} mask must have ${W * H} ids, not ${data.length}`);
	if (!(input.diameter >= 0) || !Number.isFinite(input.diameter)) throw new ParamError('diameter', `${input.diameter} is not a diameter in pixels`);
	let max = 0;
	for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
	const outline = masksToOutlines(masks);
	// Cellpose picks uint16 unless the outlines' max reaches 65,535 (it equals the masks' max).
	const wide = max >= 65535;
	const outlines = wide ? new Uint32Array(W * H) : new Uint16Array(W * H);
	const m = wide ? data : new Uint16Array(W * H);
	for (let i = 0; i < data.length; i++) {
		if (!wide) m[i] = data[i];
		if (outline[i]) outlines[i] = data[i];
	}
	const dtype = wide ? 'uint32' : 'uint16';
	const ismanual = new Uint8Array(max);
	if (input.ismanual) {
		if (input.ismanual.length !== max) {
			throw new ParamError('ismanual', `ismanual has ${input.ismanual.length} entries but the largest label is ${max}`);
		}
		ismanual.set(input.ismanual);
	}
	const chan = input.chanChoose ?? [0, 0];
	let flows: PickleOut;
	const f = input.flows;
	if (f) {
		const n = W * H;
		if (f.rgb.length !== 3 * n || f.cellprob8.length !== n || f.dP.length !== 2 * n || f.cellprob.length !== n) {
			throw new ParamError('flows', `the flow images do not match the ${W} × ${H} masks`);
		}
		const stack = new Float32Array(3 * n);
		stack.set(f.dP, 0);
		stack.set(f.cellprob, 2 * n);
		flows = [
			ndarray('uint8', [1, H, W, 3], f.rgb),
			ndarray('uint8', [1, H, W], f.cellprob8),
			ndarray('uint8', [1, H, W, 3], new Uint8Array(3 * n)),
			[],
			ndarray('float32', [3, H, W], stack)
		];
	} else {
		flows = [[], [], [], [], [[]]];
	}
	const dict = new Map<PickleOut, PickleOut>([
		['outlines', ndarray(dtype, [H, W], outlines)],
		['masks', ndarray(dtype, [H, W], m)],
		['chan_choose', [chan[0], chan[1]]],
		['ismanual', ndarray('bool', [max], ismanual)],
		['filename', input.filename],
		['flows', flows],
		['diameter', pyFloat(input.diameter)]
	]);
	const p = input.provenance;
	if (p) {
		if (p.model) dict.set('model_path', p.model.name);
		const ft = numberParam(p, 'flow_threshold');
		const ct = numberParam(p, 'cellprob_threshold');
		if (ft !== null) dict.set('flow_threshold', pyFloat(ft));
		if (ct !== null) dict.set('cellprob_threshold', pyFloat(ct));
		dict.set('mycol_provenance', provenanceJson(p));
	}
	return npySaveObject(dict, 3);
}
