// ImageJ itself (Debian's ij.jar, headless) opens our label TIFF: 16-bit, the ids as written, and the pixel
// size in microns — what Fiji users see.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeLabelTiff } from '../../../src/lib/core/formats/label-tiff';
import { imagej, sharedMaskTiff, tempDir } from './helpers';

const MACRO = `
path = getArgument();
open(path);
getPixelSize(unit, pw, ph);
getStatistics(area, mean, min, max);
print("bits=" + bitDepth() + " unit=" + unit + " pw=" + pw + " ph=" + ph + " max=" + max + " w=" + getWidth() + " h=" + getHeight() + " sum=" + (mean * getWidth() * getHeight()));
close();
`;

describe('label TIFF in ImageJ', () => {
	it('opens with the ids and the pixel size in microns', () => {
		const labels = sharedMaskTiff('data/mycol_demo_fungal/masks/demo01_masks.tif');
		const tmp = tempDir('label-tiff-ij');
		const path = join(tmp.dir, 'demo01_masks.tif');
		writeFileSync(path, writeLabelTiff(labels, { pixelSizeUm: 0.65 }));
		const out = imagej(MACRO, path, tmp.dir);
		tmp.cleanup();
		const m = /bits=(\d+) unit=(\S+) pw=([\d.]+) ph=([\d.]+) max=([\d.]+) w=(\d+) h=(\d+) sum=([\d.eE+]+)/.exec(out);
		expect(m, out).not.toBeNull();
		const [, bits, unit, pw, ph, max, w, h, sum] = m!;
		let expectedSum = 0;
		let expectedMax = 0;
		for (const v of labels.data) {
			expectedSum += v;
			expectedMax = Math.max(expectedMax, v);
		}
		expect(bits).toBe('16');
		expect(unit).toMatch(/micron|µm/);
		expect(Number(pw)).toBeCloseTo(0.65, 5);
		expect(Number(ph)).toBeCloseTo(0.65, 5);
		expect([Number(w), Number(h), Number(max)]).toEqual([512, 512, expectedMax]);
		expect(Number(sum)).toBeCloseTo(expectedSum, 0);
	}, 200_000);
});
