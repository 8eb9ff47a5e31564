/**
 * How files pair into images and masks: a mask's stem is its image's stem plus a suffix
 * (`_masks`, `_seg`, `_cp_masks`, `_labels` by default, user-configurable), as the original app
 * and Cellpose name them. Pure string logic, shared by the Data page and the CLI.
 */

export const DEFAULT_MASK_SUFFIXES = ['_cp_masks', '_masks', '_seg', '_labels'] as const;

/** The file name without folders and without its last extension. */
export function fileStem(name: string): string {
	const base = name.split(/[\\/]/).pop() ?? name;
	const dot = base.lastIndexOf('.');
	return dot > 0 ? base.slice(0, dot) : base;
}

/** The lower-case extension without the dot ('' when none). */
export function fileExtension(name: string): string {
	const base = name.split(/[\\/]/).pop() ?? name;
	const dot = base.lastIndexOf('.');
	return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

export interface NameRole {
	/** The stem of the image this file belongs to. */
	imageStem: string;
	/** The mask suffix found, or null when the name is an image's name. */
	maskSuffix: string | null;
}

/**
 * Whether a file name is a mask's (by suffix) and which image stem it belongs to. The longest
 * matching suffix wins, so `a_cp_masks.tif` pairs with `a`, not `a_cp`.
 */
export function nameRole(name: string, suffixes: readonly string[] = DEFAULT_MASK_SUFFIXES): NameRole {
	const stem = fileStem(name);
	const sorted = [...suffixes].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
	for (const suffix of sorted) {
		if (stem.length > suffix.length && stem.endsWith(suffix)) {
			return { imageStem: stem.slice(0, -suffix.length), maskSuffix: suffix };
		}
	}
	return { imageStem: stem, maskSuffix: null };
}

/** Parse a user's comma- or space-separated suffix list, keeping order and dropping blanks. */
export function parseSuffixList(text: string): string[] {
	return [...new Set(text.split(/[\s,;]+/).map((s) => s.trim()).filter((s) => s.length > 0))];
}

const IMAGE_EXTENSIONS = new Set(['tif', 'tiff', 'png', 'jpg', 'jpeg', 'npy']);

/** Whether Mycol tries to read a file with this name (others in a dropped folder are ignored). */
export function isReadableName(name: string): boolean {
	return IMAGE_EXTENSIONS.has(fileExtension(name));
}
