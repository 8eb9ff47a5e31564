/**
 * Colours. Cells get a stable colour from their id, cycling through Paul Tol's colour-blind-safe
 * "bright" and "muted" sets; outlines are drawn in white so the overlay never relies on hue alone.
 */
export const CELL_COLOURS: readonly string[] = [
	'#4477AA',
	'#EE6677',
	'#228833',
	'#CCBB44',
	'#66CCEE',
	'#AA3377',
	'#88CCEE',
	'#DDCC77',
	'#117733',
	'#CC6677',
	'#44AA99',
	'#999933'
];

/** Okabe–Ito, the default order for classes and for channel colours in composites. */
export const OKABE_ITO: readonly string[] = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#000000'];

/** Default colours of channels 1, 2, 3, … in a composite (magenta/green/cyan/yellow: colour-blind-safer than red/green). */
export const CHANNEL_COLOURS: readonly string[] = ['#FF00FF', '#00FF00', '#00FFFF', '#FFFF00', '#FFFFFF'];

export function hexToRgb(hex: string): [number, number, number] {
	const v = parseInt(hex.slice(1), 16);
	return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** The colour of cell `id` (id > 0), stable across sessions. */
export function cellColour(id: number): string {
	return CELL_COLOURS[(id - 1) % CELL_COLOURS.length];
}
