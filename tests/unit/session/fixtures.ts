/** Sessions built from the shared real images and masks, for round trips. */
import { createHash } from 'node:crypto';
import { decodeImageFile, decodeLabelFile } from '../../../src/lib/core/formats/image-file';
import { fileStem } from '../../../src/lib/core/dataset/pairing';
import type { SessionData, SessionImage } from '../../../src/lib/core/session';
import { sharedBytes } from '../shared';

/** Image → mask (or null), relative to ../shared/data. */
export const REAL_PAIRS: [string, string | null][] = [
	['mycol_demo_fungal/images/demo01.tif', 'mycol_demo_fungal/masks/demo01_masks.tif'],
	['mycol_demo_fungal/images/demo02.tif', 'mycol_demo_fungal/masks_cellpose_seg_npy/demo02_masks.npy'],
	['stardist_dsb2018_nuclei/images/img2d.tif', 'stardist_dsb2018_nuclei/masks/img2d_masks.tif'],
	['omnipose_bacteria_phase/images/caulo_15.tif', 'omnipose_bacteria_phase/masks/caulo_15_cp_masks.tif'],
	['clesperanto_membranes/images/membranes.tif', 'clesperanto_membranes/masks/membranes_masks.tif'],
	['odd_formats/images/demo05_rgb.png', 'odd_formats/masks/demo05_rgb_masks.png'],
	['odd_formats/images/demo05_q90.jpg', 'odd_formats/masks/demo05_q90_masks.tif'],
	['odd_formats/images/demo05_imagej_calibrated_0.65um.tif', 'odd_formats/masks/demo05_imagej_calibrated_0.65um_masks.tif'],
	['odd_formats/images/bbbc022_IXMtest_A02_s9_3ch_imagej.tif', null]
];

export function sha256(bytes: Uint8Array): string {
	return createHash('sha256').update(bytes).digest('hex');
}

export function realImage(imagePath: string, maskPath: string | null, id: string): SessionImage {
	const name = imagePath.split('/').pop()!;
	const bytes = sharedBytes(`data/${imagePath}`);
	const d = decodeImageFile(name, bytes);
	const maskName = maskPath?.split('/').pop() ?? '';
	return {
		id,
		name,
		stem: fileStem(name),
		format: d.format,
		bytes,
		original: true,
		width: d.raster.width,
		height: d.raster.height,
		channels: d.raster.channels,
		dtype: d.raster.dtype,
		pages: d.pages,
		pixelSizeUm: d.pixelSizeUm,
		pixelSizeSource: d.pixelSizeSource,
		notes: d.notes,
		mask: maskPath ? { labels: decodeLabelFile(maskName, sharedBytes(`data/${maskPath}`)).labels, sourceName: maskName, editCount: 0 } : null,
		cellClasses: new Map()
	};
}

/** A deterministic pseudo-random byte string (a stand-in for model weights). */
export function noise(n: number, seed = 1): Uint8Array {
	const out = new Uint8Array(n);
	let x = seed >>> 0 || 1;
	for (let i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		out[i] = x & 255;
	}
	return out;
}

/** A full session: real images and masks, classes, class assignments, models, parameters, histories, UI. */
export function realSession(pairs = REAL_PAIRS): SessionData {
	const images = pairs.map(([im, mask], i) => realImage(im, mask, `img-${i + 1}`));
	if (images[0]) {
		images[0].cellClasses = new Map([
			[1, 'budding'],
			[2, 'round'],
			[5, 'budding']
		]);
		if (images[0].mask) images[0].mask.editCount = 7;
	}
	if (images[2]) images[2].cellClasses = new Map([[183, 'round']]);
	return {
		id: 'session-1',
		name: 'Pheromone plate, day 2',
		created: '2025-05-01T09:30:00.000Z',
		modified: '2025-05-02T17:45:12.000Z',
		images,
		classes: [
			{ id: 'budding', name: 'Budding, "shmoo"', colour: '#E69F00', order: 0 },
			{ id: 'round', name: 'Round, single', colour: '#56B4E9', order: 1 },
			{ id: 'debris', name: 'Debris #1', colour: '#009E73', order: 2 }
		],
		models: [
			{ id: 'm1', name: 'cyto3 fine-tuned', kind: 'cellpose', fileName: 'cyto3_finetuned.onnx', bytes: noise(300_000, 7), card: { base: 'cyto3', epochs: 100, trainedOn: ['demo01.tif'] } },
			{ id: 'm2', name: 'classifier', kind: 'densenet', fileName: 'densenet.onnx', bytes: noise(50_000, 9), card: {} }
		],
		parameters: { segmentation: { diameter: 30, cellprobThreshold: 0.2, flowThreshold: 0.4, niter: 0, minSize: 15, channels: [0, 0] }, maskSuffixes: ['_masks', '_cp_masks'] },
		histories: [{ id: 'run-1', kind: 'cellpose', modelId: 'm1', epochs: [{ epoch: 1, trainLoss: 1.5, valLoss: null }, { epoch: 2, trainLoss: 1.25, valLoss: 1.3 }] }],
		ui: { theme: 'light', overlayOpacity: 0.5, lastPage: 'annotate' }
	};
}
