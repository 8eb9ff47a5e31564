import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeRoi, readImageJRoi, readImageJRoiZip, roiEntryName, writeImageJRoiZip } from '../../../src/lib/core/formats/imagej-roi';
import { parseProvenanceJson, type Provenance } from '../../../src/lib/core/formats/provenance';
import { labelPolygons } from '../../../src/lib/core/labels/contours';
import type { Labels } from '../../../src/lib/core/raster/types';
import { awkwardLabels, imagej, LABEL_FIXTURES, labelsFromNpy, labelsFromRows, pixelCounts, tempDir } from './helpers';

const provenance: Provenance = {
	app: { name: 'Mycol', version: '0.1.0' },
	model: { name: 'mycol-fungal-v1', sha256: 'b'.repeat(64) },
	segmentation: { diameter: 22.7, flow_threshold: 0.4 },
	pixelSize: { um: 0.108, source: 'user' },
	manualEdits: 0
};

describe('ImageJ ROI encoding', () => {
	it('writes a simple cell as a traced polygon ROI, header as RoiEncoder lays it out', () => {
		const bytes = encodeRoi({ label: 7, rings: [Int32Array.from([1, 1, 3, 1, 3, 3, 1, 3])] });
		const v = new DataView(bytes.buffer);
		expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('Iout');
		expect(v.getInt16(4)).toBe(228); // version
		expect(bytes[6]).toBe(8); // traced
		expect([v.getInt16(8), v.getInt16(10), v.getInt16(12), v.getInt16(14)]).toEqual([1, 1, 3, 3]); // top, left, bottom, right
		expect(v.getUint16(16)).toBe(4); // vertices
		// x then y, relative to left/top
		expect([0, 1, 2, 3].map((i) => v.getInt16(64 + 2 * i))).toEqual([0, 2, 2, 0]);
		expect([0, 1, 2, 3].map((i) => v.getInt16(72 + 2 * i))).toEqual([0, 0, 2, 2]);
		expect(v.getInt32(60)).toBe(64 + 16); // header 2 right after the coordinates
		const roi = readImageJRoi('c.roi', bytes);
		expect(roi.name).toBe('cell-7');
		expect(roi.properties).toBe('mycol_label: 7\n');
		expect(Array.from(roi.rings[0])).toEqual([1, 1, 3, 1, 3, 3, 1, 3]);
	});

	it('writes a cell with a hole as a composite ROI of MOVETO/LINETO/CLOSE segments', () => {
		const [cell] = labelPolygons(labelsFromRows(['111', '1.1', '111']));
		const rings = [cell.polygons[0].outer, ...cell.polygons[0].holes];
		const bytes = encodeRoi({ label: 1, rings, className: 'Spore', color: [0, 114, 178] });
		const v = new DataView(bytes.buffer);
		expect(bytes[6]).toBe(1); // rect type + shape size = composite
		expect(v.getInt32(36)).toBe(2 * (4 * 3 + 1));
		expect(v.getUint32(40)).toBe(0xff0072b2); // stroke colour ARGB
		expect(Array.from({ length: 4 }, (_, i) => v.getFloat32(64 + 4 * i))).toEqual([0, 0, 0, 1]); // MOVETO 0 0, LINETO …
		const roi = readImageJRoi('c.roi', bytes);
		expect(roi.type).toBe('composite');
		expect(roi.rings.map((r) => Array.from(r))).toEqual(rings.map((r) => Array.from(r)));
		expect(roi.properties).toBe('mycol_label: 1\nmycol_class: Spore\n');
	});

	it('refuses files that are not ROIs, naming them', () => {
		expect(() => readImageJRoi('x.roi', new Uint8Array(100))).toThrow(/x\.roi: this is not an ImageJ ROI/);
		expect(() => readImageJRoi('x.roi', new Uint8Array(10))).toThrow(/x\.roi: the file has 10 bytes/);
		const truncated = encodeRoi({ label: 1, rings: [Int32Array.from([0, 0, 5, 0, 5, 5, 0, 5])] }).subarray(0, 66);
		expect(() => readImageJRoi('t.roi', truncated)).toThrow(/t\.roi: the ROI declares 4 vertices but the file ends/);
		expect(() => readImageJRoiZip('rois.zip', new Uint8Array([1, 2, 3]))).toThrow(/rois\.zip: the file is not a readable zip/);
	});

	it('round-trips a zip of every cell with our reader: names, rings and provenance identical', () => {
		for (const labels of [labelsFromNpy(LABEL_FIXTURES[3]), awkwardLabels(3)]) {
			const zip = writeImageJRoiZip(labels, { provenance, classOf: (l) => (l % 2 ? { name: 'Hyphae', color: [230, 159, 0] } : null) });
			const back = readImageJRoiZip('rois.zip', zip);
			const cells = labelPolygons(labels);
			expect(back.entries).toEqual([...cells.map((c, i) => roiEntryName(i, c.label, cells.length)), 'provenance.json']);
			expect(back.rois.map((r) => r.name)).toEqual(cells.map((c) => `cell-${c.label}`));
			back.rois.forEach((roi, i) => {
				const rings = cells[i].polygons.flatMap((p) => [p.outer, ...p.holes]);
				expect(roi.rings.map((r) => Array.from(r))).toEqual(rings.map((r) => Array.from(r)));
				expect(roi.type).toBe(rings.length === 1 ? 8 : 'composite');
			});
			expect(parseProvenanceJson(back.provenance!)).toMatchObject({ model: 'mycol-fungal-v1', pixel_size_um: 0.108, pixel_size_source: 'user' });
		}
	});

	it('numbers entries with at least four digits, more when needed', () => {
		expect(roiEntryName(0, 17, 12)).toBe('0001-cell-17.roi');
		expect(roiEntryName(12344, 5, 12345)).toBe('12345-cell-5.roi');
	});
});

/** For each zip: open it in the RoiManager on a blank uncalibrated image, print name, type, Area. */
const MACRO = `
list = split(File.openAsString(getArgument()), "\\n");
for (k = 0; k < list.length; k++) {
  f = split(list[k], ",");
  if (f.length < 3) continue;
  newImage("m", "8-bit black", parseInt(f[1]), parseInt(f[2]), 1);
  roiManager("reset");
  roiManager("Open", f[0]);
  n = roiManager("count");
  s = "";
  for (i = 0; i < n; i++) {
    roiManager("select", i);
    s = s + k + "\\t" + getInfo("selection.name") + "\\t" + selectionType() + "\\t" + getValue("Area") + "\\n";
  }
  print(s + k + "\\tcount\\t" + n + "\\t0");
  close();
}
`;

describe('ImageJ opens the ROI zip (Debian imagej, headless under xvfb)', () => {
	const tmp = tempDir('roi');
	afterAll(tmp.cleanup);

	it("measures each ROI's area equal to its mask's pixel count", () => {
		const images: Labels[] = [...LABEL_FIXTURES.map(labelsFromNpy), ...[1, 2, 3, 4, 5].map((s) => awkwardLabels(s)), labelsFromRows(['.111', '1..1', '1111'])];
		const lines = images.map((labels, k) => {
			const p = join(tmp.dir, `cells${k}.zip`);
			writeFileSync(p, writeImageJRoiZip(labels, { provenance }));
			return `${p},${labels.width},${labels.height}`;
		});
		const listPath = join(tmp.dir, 'list.txt');
		writeFileSync(listPath, lines.join('\n') + '\n');
		const out = imagej(MACRO, listPath, tmp.dir);
		const rows = out
			.split('\n')
			.map((l) => l.trim().split('\t'))
			.filter((f) => f.length === 4);
		const bad: string[] = [];
		images.forEach((labels, k) => {
			const counts = pixelCounts(labels);
			const mine = rows.filter((r) => r[0] === String(k));
			const count = mine.find((r) => r[1] === 'count');
			if (Number(count?.[2]) !== counts.size) bad.push(`image ${k}: ImageJ opened ${count?.[2]} ROIs, not ${counts.size}`);
			for (const [label, n] of counts) {
				const r = mine.find((x) => x[1] === `cell-${label}`);
				if (!r || Number(r[3]) !== n) bad.push(`image ${k} cell ${label}: ImageJ area ${r?.[3]}, mask ${n} px`);
			}
		});
		expect(bad).toEqual([]);
		expect(rows.filter((r) => r[1] !== 'count').length).toBe(images.reduce((n, l) => n + pixelCounts(l).size, 0));
	});
});
