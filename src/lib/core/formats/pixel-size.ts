/**
 * Pixel size in µm from the metadata image files carry. The order of trust follows what a
 * microscopist's tools write: an ImageJ description with a unit, then OME-XML, then the TIFF/PNG/JPEG
 * resolution fields — but only when those are not a camera's or editor's default DPI, which says
 * nothing about the specimen.
 */
import type { ImageJInfo, OmeInfo } from './tiff-metadata';

export type PixelSizeSource = 'imagej' | 'ome' | 'resolution';

export interface PixelSizeInfo {
	pixelSizeUm: number | null;
	pixelSizeSource: PixelSizeSource | null;
	/** Plain sentences worth showing (non-square pixels, an ignored default DPI, …). */
	notes: string[];
}

const NONE: PixelSizeInfo = { pixelSizeUm: null, pixelSizeSource: null, notes: [] };

/** µm in one of the given unit, or null for "pixel", an empty unit or one Mycol does not know. */
export function micronsPerUnit(unit: string): number | null {
	const u = unit.trim().toLowerCase().replace(/\u03bc/g, 'µ');
	switch (u) {
		case 'µm':
		case 'um':
		case 'micron':
		case 'microns':
		case 'micrometer':
		case 'micrometers':
		case 'micrometre':
		case 'micrometres':
			return 1;
		case 'nm':
		case 'nanometer':
		case 'nanometers':
		case 'nanometre':
		case 'nanometres':
			return 1e-3;
		case 'pm':
			return 1e-6;
		case 'å':
		case 'angstrom':
		case 'angstroms':
			return 1e-4;
		case 'mm':
		case 'millimeter':
		case 'millimeters':
		case 'millimetre':
		case 'millimetres':
			return 1e3;
		case 'cm':
		case 'centimeter':
		case 'centimeters':
		case 'centimetre':
		case 'centimetres':
			return 1e4;
		case 'm':
		case 'meter':
		case 'meters':
		case 'metre':
		case 'metres':
			return 1e6;
		case 'in':
		case 'inch':
		case 'inches':
			return 25400;
		default:
			return null;
	}
}

/**
 * Dots-per-inch values that image editors, cameras and screenshot tools write by default. A
 * resolution equal to one of these is not a calibration (ImageJ itself ignores 72 dpi).
 */
const DEFAULT_DPI = [72, 75, 96, 100, 120, 144, 150, 180, 200, 240, 300, 350, 360, 400, 600, 720, 1200, 2400, 4800];

/** No light microscope image has pixels larger than this; a larger "pixel size" is a print DPI. */
const MAX_PLAUSIBLE_UM = 100;

/**
 * Rational resolution tags hold about 6–7 significant digits (ImageJ writes them in steps of
 * 1e-6), so inverses are rounded to 6 significant digits to give back the value that was meant.
 */
function roundSize(um: number): number {
	return Number(um.toPrecision(6));
}

/**
 * Pixel size from a density (pixels per inch, cm or metre), as in TIFF XResolution/ResolutionUnit,
 * PNG pHYs or JPEG JFIF. Null, with a note, for a default DPI or an implausibly large pixel.
 */
export function pixelSizeFromDensity(
	pixelsPerUnit: number,
	unit: 'inch' | 'cm' | 'm',
	yPixelsPerUnit: number | null = null
): PixelSizeInfo {
	if (!(pixelsPerUnit > 0) || !Number.isFinite(pixelsPerUnit)) return NONE;
	const umPerUnit = unit === 'inch' ? 25400 : unit === 'cm' ? 1e4 : 1e6;
	const dpi = (pixelsPerUnit * 25400) / umPerUnit;
	const um = umPerUnit / pixelsPerUnit;
	const isDefault = DEFAULT_DPI.some((d) => Math.abs(dpi - d) <= d * 1e-3);
	if (isDefault || um > MAX_PLAUSIBLE_UM) {
		const dpiText = Number(dpi.toPrecision(4)).toString();
		return {
			pixelSizeUm: null,
			pixelSizeSource: null,
			notes: [`The resolution of ${dpiText} dots per inch looks like a software default, not a microscope calibration, so no pixel size is set.`]
		};
	}
	const notes: string[] = [];
	if (yPixelsPerUnit !== null && yPixelsPerUnit > 0 && Math.abs(yPixelsPerUnit - pixelsPerUnit) > pixelsPerUnit * 1e-4) {
		notes.push(nonSquareNote(um, umPerUnit / yPixelsPerUnit));
	}
	return { pixelSizeUm: roundSize(um), pixelSizeSource: 'resolution', notes };
}

function nonSquareNote(x: number, y: number): string {
	return `The pixels are not square (${roundSize(x)} µm wide, ${roundSize(y)} µm high); the width is used as the pixel size.`;
}

export interface TiffPixelSizeInput {
	imagej: ImageJInfo | null;
	ome: OmeInfo | null;
	/** XResolution/YResolution as numbers (pixels per ResolutionUnit), null when absent. */
	xResolution: number | null;
	yResolution: number | null;
	/** TIFF ResolutionUnit: 1 none, 2 inch (the default), 3 centimetre. */
	resolutionUnit: number;
}

/**
 * Pixel size of a TIFF page. An ImageJ description with a unit wins, read as ImageJ's
 * `FileOpener.setCalibration` does: pixel width = 1 / XResolution in that unit (1 unit when
 * XResolution is absent). Then OME-XML `PhysicalSizeX` with its unit (µm by default). Then the
 * resolution tags with ResolutionUnit inch or centimetre, unless they hold a default DPI.
 */
export function pixelSizeFromTiff(m: TiffPixelSizeInput): PixelSizeInfo {
	if (m.imagej && m.imagej.unit !== null) {
		const factor = micronsPerUnit(m.imagej.unit);
		if (factor !== null) {
			const x = m.xResolution !== null && m.xResolution > 0 ? 1 / m.xResolution : 1;
			const y = m.yResolution !== null && m.yResolution > 0 ? 1 / m.yResolution : x;
			if (factor >= 1e4) {
				// An ImageJ calibration in inch, cm or m is usually an inherited print DPI.
				const d = pixelSizeFromDensity(1 / x, factor === 25400 ? 'inch' : factor === 1e4 ? 'cm' : 'm', 1 / y);
				if (d.pixelSizeUm === null) return d;
			}
			const notes = Math.abs(x - y) > x * 1e-4 ? [nonSquareNote(x * factor, y * factor)] : [];
			return { pixelSizeUm: roundSize(x * factor), pixelSizeSource: 'imagej', notes };
		}
	}
	if (m.ome && m.ome.physicalSizeX !== null) {
		const fx = micronsPerUnit(m.ome.physicalSizeXUnit);
		if (fx !== null) {
			const x = m.ome.physicalSizeX * fx;
			const fy = micronsPerUnit(m.ome.physicalSizeYUnit);
			const y = m.ome.physicalSizeY !== null && fy !== null ? m.ome.physicalSizeY * fy : x;
			const notes = Math.abs(x - y) > x * 1e-4 ? [nonSquareNote(x, y)] : [];
			return { pixelSizeUm: roundSize(x), pixelSizeSource: 'ome', notes };
		}
	}
	if (m.xResolution !== null && (m.resolutionUnit === 2 || m.resolutionUnit === 3)) {
		return pixelSizeFromDensity(m.xResolution, m.resolutionUnit === 2 ? 'inch' : 'cm', m.yResolution);
	}
	return NONE;
}
