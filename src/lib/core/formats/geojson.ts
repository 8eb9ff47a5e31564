/**
 * Cells as a GeoJSON FeatureCollection the way QuPath (0.4+) imports and exports objects: one
 * Feature per cell, geometry Polygon (one 4-connected piece) or MultiPolygon (several), with holes,
 * in pixel coordinates (pixel corners at integers, as QuPath and our contours use);
 * properties `objectType` ("detection" or "annotation"), `classification: {name, color: [r,g,b]}`
 * when the cell has a class, `name`, and `measurements` (numbers only, as QuPath keeps them).
 * Feature ids are UUID-shaped strings (QuPath parses them as UUIDs), derived from the image name
 * and the label so that re-exports are identical. The provenance is a top-level foreign member
 * (`provenance`, allowed by RFC 7946), which QuPath ignores.
 */
import { labelPolygons, type CellPolygon, type Ring } from '../labels/contours';
import type { Labels } from '../raster/types';
import { FormatError, ParamError } from './errors';
import { provenanceRecord, type Provenance, type ProvenanceRecord } from './provenance';

export interface CellClass {
	name: string;
	/** 0–255 each. */
	color: readonly [number, number, number];
}

export interface GeoJsonOptions {
	/** Image name, for feature ids and the collection's `image` member. */
	imageName: string;
	/** QuPath object type of every cell (default "detection"). */
	objectType?: 'detection' | 'annotation';
	/** The class of a label, if any. */
	classOf?: (label: number) => CellClass | null;
	/** Extra numeric measurements of a label (QuPath shows them in its measurement table). */
	measurementsOf?: (label: number) => Readonly<Record<string, number>> | null;
	provenance: Provenance;
}

type Position = [number, number];
type PolygonCoords = Position[][];

export interface GeoJsonGeometry {
	type: 'Polygon' | 'MultiPolygon';
	coordinates: PolygonCoords | PolygonCoords[];
}

export interface GeoJsonFeature {
	type: 'Feature';
	id: string;
	geometry: GeoJsonGeometry;
	properties: {
		objectType: 'detection' | 'annotation';
		name: string;
		classification?: { name: string; color: [number, number, number] };
		measurements: Record<string, number>;
	};
}

export interface GeoJsonCollection {
	type: 'FeatureCollection';
	features: GeoJsonFeature[];
	image?: { name: string; width: number; height: number };
	provenance?: ProvenanceRecord;
}

/** A closed GeoJSON ring (first position repeated at the end). */
function ringCoords(r: Ring): Position[] {
	const out: Position[] = [];
	for (let i = 0; i < r.length; i += 2) out.push([r[i], r[i + 1]]);
	out.push([r[0], r[1]]);
	return out;
}

function polygonCoords(p: CellPolygon): PolygonCoords {
	return [ringCoords(p.outer), ...p.holes.map(ringCoords)];
}

/** FNV-1a 32-bit of a string (to make ids differ between images). */
function fnv1a(s: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < s.length; i++) {
		h ^= s.charCodeAt(i);
		h = Math.imul(h, 0x01000193) >>> 0;
	}
	return h >>> 0;
}

/** A UUID-shaped id (version-4 layout) that is a pure function of image name and label. */
export function cellUuid(imageName: string, label: number): string {
	const a = fnv1a(imageName).toString(16).padStart(8, '0');
	const b = fnv1a(`${imageName}#`).toString(16).padStart(8, '0');
	const l = label.toString(16).padStart(12, '0');
	return `${a}-${b.slice(0, 4)}-4${b.slice(4, 7)}-8${b.slice(7, 8)}00-${l}`;
}

function checkColor(c: readonly number[], name: string): [number, number, number] {
	if (c.length !== 3 || c.some((v) => !Number.isInteger(v) || v < 0 || v > 255)) {
		throw new ParamError(`class "${name}"`, `the colour [${c.join(', ')}] is not three integers 0–255`);
	}
	return [c[0], c[1], c[2]];
}

/** Build the FeatureCollection object (see the module comment). */
export function geoJsonCollection(labels: Labels, opts: GeoJsonOptions): GeoJsonCollection {
	const prov = provenanceRecord(opts.provenance);
	const objectType = opts.objectType ?? 'detection';
	const features: GeoJsonFeature[] = [];
	for (const cell of labelPolygons(labels)) {
		const geometry: GeoJsonGeometry =
			cell.polygons.length === 1
				? { type: 'Polygon', coordinates: polygonCoords(cell.polygons[0]) }
				: { type: 'MultiPolygon', coordinates: cell.polygons.map(polygonCoords) };
		const measurements: Record<string, number> = { Label: cell.label, 'Area px^2': cell.area };
		const extra = opts.measurementsOf?.(cell.label);
		if (extra) {
			for (const [k, v] of Object.entries(extra)) {
				if (typeof v === 'number' && Number.isFinite(v)) measurements[k] = v;
			}
		}
		const feature: GeoJsonFeature = {
			type: 'Feature',
			id: cellUuid(opts.imageName, cell.label),
			geometry,
			properties: { objectType, name: `cell ${cell.label}`, measurements }
		};
		const cls = opts.classOf?.(cell.label);
		if (cls) feature.properties.classification = { name: cls.name, color: checkColor(cls.color, cls.name) };
		features.push(feature);
	}
	return {
		type: 'FeatureCollection',
		features,
		image: { name: opts.imageName, width: labels.width, height: labels.height },
		provenance: prov
	};
}

/** The collection as JSON text (compact: cell outlines make large files). */
export function writeGeoJson(labels: Labels, opts: GeoJsonOptions): string {
	return JSON.stringify(geoJsonCollection(labels, opts));
}

/** Parse a GeoJSON FeatureCollection written by `writeGeoJson` (or QuPath), checking its shape. */
export function readGeoJson(file: string, text: string): GeoJsonCollection {
	let doc: unknown;
	try {
		doc = JSON.parse(text);
	} catch (e) {
		throw new FormatError(file, `the file is not valid JSON (${(e as Error).message})`);
	}
	const fc = doc as GeoJsonCollection;
	if (typeof fc !== 'object' || fc === null || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
		throw new FormatError(file, 'the file is JSON but not a GeoJSON FeatureCollection');
	}
	fc.features.forEach((f, i) => {
		const t = f?.geometry?.type;
		if (f?.type !== 'Feature' || (t !== 'Polygon' && t !== 'MultiPolygon') || !Array.isArray(f.geometry.coordinates)) {
			throw new FormatError(file, `feature ${i + 1} is not a Polygon or MultiPolygon feature`);
		}
	});
	return fc;
}
