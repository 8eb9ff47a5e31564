/** Images and masks in two folders, paired by name as the Data page pairs them. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MASK_SUFFIXES, fileStem, isReadableName, nameRole } from '../src/lib/core/dataset/pairing';
import { FormatError, ParamError } from '../src/lib/core/formats/errors';

/** The image or mask files of a folder Mycol reads, sorted by name. */
export function listFolder(dir: string, what: string): string[] {
	let st;
	try {
		st = statSync(dir);
	} catch {
		throw new FormatError(dir, `no such folder (the ${what} folder)`);
	}
	if (!st.isDirectory()) throw new FormatError(dir, `this is a file, not a folder; give the ${what} folder`);
	return readdirSync(dir)
		.filter((n) => isReadableName(n) && statSync(join(dir, n)).isFile())
		.sort();
}

export interface FilePair {
	/** Paths. */
	image: string;
	mask: string | null;
}

/**
 * Every image of `imagesDir` with its mask from `masksDir` (or null): a mask's stem is the image's
 * stem, or that plus a mask suffix. Two masks for one image are refused; a mask stored next to its
 * image in `imagesDir` is not taken for an image.
 */
export function pairFolders(imagesDir: string, masksDir: string, suffixes: readonly string[] = DEFAULT_MASK_SUFFIXES): FilePair[] {
	const masks = new Map<string, string>();
	for (const name of listFolder(masksDir, 'masks')) {
		const role = nameRole(name, suffixes);
		const earlier = masks.get(role.imageStem);
		if (earlier && nameRole(earlier, suffixes).maskSuffix !== null && role.maskSuffix === null) continue;
		if (earlier && nameRole(earlier, suffixes).maskSuffix !== null) {
			throw new ParamError(masksDir, `two masks belong to the image "${role.imageStem}" (${earlier} and ${name}); keep one`);
		}
		masks.set(role.imageStem, name);
	}
	return listFolder(imagesDir, 'images')
		.filter((name) => nameRole(name, suffixes).maskSuffix === null)
		.map((name) => {
			const mask = masks.get(fileStem(name));
			return { image: join(imagesDir, name), mask: mask ? join(masksDir, mask) : null };
		});
}

/** Only the pairs with a mask; refuses when there is none, and names the images left out. */
export function maskedPairs(imagesDir: string, masksDir: string, command: string, suffixes?: readonly string[]): { image: string; mask: string }[] {
	const all = pairFolders(imagesDir, masksDir, suffixes);
	const missing = all.filter((p) => p.mask === null).map((p) => p.image.split(/[\\/]/).pop());
	if (missing.length > 0) console.error(`mycol ${command}: no mask for ${missing.join(', ')} in ${masksDir}; left out`);
	const pairs = all.filter((p): p is { image: string; mask: string } => p.mask !== null);
	if (pairs.length === 0) {
		throw new ParamError(masksDir, `no mask matches an image of ${imagesDir}; name each mask like its image, e.g. cells.tif → cells_masks.tif`);
	}
	return pairs;
}
