/**
 * The training set of a classifier: one patch per labelled cell, cut from each image exactly as
 * inference will cut it (`extractPatches`), with the class index of each. Unlabelled cells are
 * not used; a label that names a cell the mask does not have is the user's mistake and says so.
 */
import { ParamError, formatCount } from '../../formats/errors';
import type { Labels, Raster } from '../../raster/types';
import { extractPatches, type PatchOptions } from '../patches';

export interface LabelledImage {
	/** Names the image in messages and in `cells`. */
	name: string;
	image: Raster;
	labels: Labels;
	/** Cell id → class name, for the labelled cells. */
	classes: ReadonlyMap<number, string>;
}

export interface LabelledPatches {
	size: number;
	/** count × S × S × 3, NHWC. */
	patches: Float32Array;
	/** Class index (into `classNames`) of each patch. */
	labels: Int32Array;
	/** Which cell each patch is. */
	cells: { image: string; label: number }[];
}

/** Most patch values held at once (1 GiB of float32). */
const MAX_VALUES = 2 ** 28;

/** Patches of every labelled cell, in image order then by cell id. */
export function labelledPatches(images: readonly LabelledImage[], classNames: readonly string[], opts: PatchOptions): LabelledPatches {
	const index = new Map(classNames.map((n, i) => [n, i]));
	const size = opts.size ?? 64;
	const per = size * size * 3;
	const total = images.reduce((n, im) => n + im.classes.size, 0);
	if (total * per > MAX_VALUES) {
		throw new ParamError(undefined, `${formatCount(total)} labelled cells at ${size} × ${size} pixels need more than 1 GiB; use a smaller patch size or fewer cells`);
	}
	const patches = new Float32Array(total * per);
	const labels = new Int32Array(total);
	const cells: { image: string; label: number }[] = [];
	for (const im of images) {
		if (im.classes.size === 0) continue;
		for (const cls of im.classes.values()) {
			if (!index.has(cls)) throw new ParamError(im.name, `the class '${cls}' is not one of the classes being trained (${classNames.join(', ')})`);
		}
		const ids = Uint32Array.from(im.classes.keys()).sort();
		const batch = extractPatches(im.image, im.labels, { ...opts, ids });
		if (batch.count !== ids.length) {
			const found = new Set(batch.ids);
			const absent = Array.from(ids).filter((id) => !found.has(id));
			throw new ParamError(im.name, `cell${absent.length > 1 ? 's' : ''} ${absent.slice(0, 5).join(', ')}${absent.length > 5 ? ', …' : ''} ${absent.length > 1 ? 'are' : 'is'} labelled with a class but not in the mask`);
		}
		const at = cells.length;
		patches.set(batch.data, at * per);
		batch.ids.forEach((id, k) => {
			labels[at + k] = index.get(im.classes.get(id)!)!;
			cells.push({ image: im.name, label: id });
		});
	}
	return { size, patches, labels, cells };
}
