import { describe, expect, it } from 'vitest';
import { micronsPerUnit, pixelSizeFromDensity, pixelSizeFromTiff } from '../../../src/lib/core/formats/pixel-size';
import { parseImageJDescription, parseOmeXml, omeChannelPage } from '../../../src/lib/core/formats/tiff-metadata';
import { readTiff } from '../../../src/lib/core/formats/tiff';
import { buildTiff, type TiffPageSpec } from './tiff-builder';

const base: TiffPageSpec = { width: 3, height: 2, bits: 8, samples: [1, 2, 3, 4, 5, 6] };

/** An OME-XML description in the 2016-06 schema, as Bio-Formats writes it. */
function ome(attrs: string): string {
	return `<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint8" SizeX="3" SizeY="2" SizeC="1" SizeZ="1" SizeT="1" ${attrs}><Channel ID="Channel:0:0" SamplesPerPixel="1"/><TiffData/></Pixels></Image></OME>`;
}

describe('units', () => {
	it('knows the spellings microscopy software writes', () => {
		for (const u of ['micron', 'microns', 'um', 'µm', 'μm', 'micrometer', 'Micrometre']) expect(micronsPerUnit(u)).toBe(1);
		expect(micronsPerUnit('nm')).toBe(0.001);
		expect(micronsPerUnit('mm')).toBe(1000);
		expect(micronsPerUnit('cm')).toBe(10000);
		expect(micronsPerUnit('inch')).toBe(25400);
		expect(micronsPerUnit('Å')).toBe(1e-4);
		expect(micronsPerUnit('pixel')).toBeNull();
		expect(micronsPerUnit('')).toBeNull();
	});
});

describe('resolution tags (hand-made TIFFs)', () => {
	it('centimetre: 15,384.6 px/cm is 0.65 µm', () => {
		// 1 cm = 10,000 µm; 10,000 / 0.65 = 15,384.615… px/cm, stored as 15384615/1000.
		const img = readTiff('cm.tif', buildTiff({ ...base, xResolution: [15384615, 1000], yResolution: [15384615, 1000], resolutionUnit: 3 }));
		expect(img.pixelSizeUm).toBe(0.65);
		expect(img.pixelSizeSource).toBe('resolution');
	});

	it('inch: 78,154 dpi is 0.325 µm (25,400 / 78,153.846…)', () => {
		const img = readTiff('in.tif', buildTiff({ ...base, xResolution: [78153846, 1000], yResolution: [78153846, 1000], resolutionUnit: 2 }, { littleEndian: false }));
		expect(img.pixelSizeUm).toBe(0.325);
		expect(img.pixelSizeSource).toBe('resolution');
	});

	it('inch is the default ResolutionUnit when the tag is absent', () => {
		const img = readTiff('in.tif', buildTiff({ ...base, xResolution: [78153846, 1000] }));
		expect(img.pixelSizeUm).toBe(0.325);
	});

	for (const dpi of [72, 96, 300]) {
		it(`${dpi} dpi is a software default, not a pixel size`, () => {
			const img = readTiff('cam.tif', buildTiff({ ...base, xResolution: [dpi, 1], yResolution: [dpi, 1], resolutionUnit: 2 }));
			expect(img.pixelSizeUm).toBeNull();
			expect(img.pixelSizeSource).toBeNull();
			expect(img.notes.join(' ')).toContain(`${dpi} dots per inch`);
		});
	}

	it('72 dpi written in centimetres (28.3465 px/cm) is also a default', () => {
		const img = readTiff('cam.tif', buildTiff({ ...base, xResolution: [283465, 10000], resolutionUnit: 3 }));
		expect(img.pixelSizeUm).toBeNull();
	});

	it('ResolutionUnit none gives no pixel size', () => {
		const img = readTiff('none.tif', buildTiff({ ...base, xResolution: [1, 1], yResolution: [1, 1], resolutionUnit: 1 }));
		expect(img.pixelSizeUm).toBeNull();
	});
});

describe('ImageJ descriptions', () => {
	it('unit=micron with XResolution = 1/0.65 gives 0.65 µm', () => {
		const img = readTiff('ij.tif', buildTiff({ ...base, description: 'ImageJ=1.53t\nunit=micron\n', xResolution: [1538461, 1000000], yResolution: [1538461, 1000000], resolutionUnit: 1 }));
		expect(img.pixelSizeUm).toBe(0.65);
		expect(img.pixelSizeSource).toBe('imagej');
	});

	it('ImageJ’s escaped unit=\\u00B5m and nm are understood', () => {
		const um = readTiff('a.tif', buildTiff({ ...base, description: 'ImageJ=1.54f\nunit=\\u00B5m\n', xResolution: [10, 1] }));
		expect(um.pixelSizeUm).toBe(0.1);
		const nm = readTiff('b.tif', buildTiff({ ...base, description: 'ImageJ=1.54f\nunit=nm\n', xResolution: [1, 108] }));
		expect(nm.pixelSizeUm).toBe(0.108);
	});

	it('the ImageJ unit wins over ResolutionUnit (ImageJ writes NONE or inch with its own unit)', () => {
		const img = readTiff('c.tif', buildTiff({ ...base, description: 'ImageJ=1.53t\nunit=um\n', xResolution: [4, 1], resolutionUnit: 2 }));
		expect(img.pixelSizeUm).toBe(0.25);
		expect(img.pixelSizeSource).toBe('imagej');
	});

	it('unit=pixel, or no unit, falls through to the resolution tags', () => {
		const img = readTiff('d.tif', buildTiff({ ...base, description: 'ImageJ=1.53t\nunit=pixel\n', xResolution: [72, 1], resolutionUnit: 2 }));
		expect(img.pixelSizeUm).toBeNull();
	});

	it('ImageJ in inches at 72 dpi is not a calibration', () => {
		const img = readTiff('e.tif', buildTiff({ ...base, description: 'ImageJ=1.53t\nunit=inch\n', xResolution: [72, 1], resolutionUnit: 2 }));
		expect(img.pixelSizeUm).toBeNull();
	});

	it('non-square pixels: the width is used, with a note', () => {
		const img = readTiff('f.tif', buildTiff({ ...base, description: 'ImageJ=1.53t\nunit=micron\n', xResolution: [2, 1], yResolution: [1, 1] }));
		expect(img.pixelSizeUm).toBe(0.5);
		expect(img.notes.join(' ')).toMatch(/not square \(0\.5 µm wide, 1 µm high\)/);
	});

	it('parses the stack layout and the spacing (the z step, not the pixel size)', () => {
		const ij = parseImageJDescription('ImageJ=1.53t\nimages=24\nchannels=2\nslices=4\nframes=3\nhyperstack=true\nunit=micron\nspacing=0.5\nloop=false\n\0');
		expect(ij).toEqual({ version: '1.53t', images: 24, channels: 2, slices: 4, frames: 3, hyperstack: true, unit: 'micron', spacing: 0.5 });
		expect(parseImageJDescription('{"shape": [2, 3]}')).toBeNull();
	});
});

describe('OME-XML', () => {
	it('PhysicalSizeX in nm', () => {
		const img = readTiff('o.tif', buildTiff({ ...base, description: ome('PhysicalSizeX="108.3" PhysicalSizeXUnit="nm" PhysicalSizeY="108.3" PhysicalSizeYUnit="nm"') }));
		expect(img.pixelSizeUm).toBe(0.1083);
		expect(img.pixelSizeSource).toBe('ome');
	});

	it('PhysicalSizeX in µm, written as a character reference', () => {
		const img = readTiff('o.tif', buildTiff({ ...base, description: ome('PhysicalSizeX="0.65" PhysicalSizeXUnit="&#181;m"') }));
		expect(img.pixelSizeUm).toBe(0.65);
	});

	it('PhysicalSizeX without a unit is in µm (the OME default)', () => {
		const img = readTiff('o.tif', buildTiff({ ...base, description: ome('PhysicalSizeX="0.2"') }));
		expect(img.pixelSizeUm).toBe(0.2);
	});

	it('OME wins over resolution tags; ImageJ wins over nothing else', () => {
		const img = readTiff('o.tif', buildTiff({ ...base, description: ome('PhysicalSizeX="0.2"'), xResolution: [15384615, 1000], resolutionUnit: 3 }));
		expect(img.pixelSizeUm).toBe(0.2);
	});

	it('channel pages follow DimensionOrder', () => {
		const info = parseOmeXml(ome('').replace('SizeC="1" SizeZ="1" SizeT="1"', 'SizeC="3" SizeZ="4" SizeT="5"'));
		expect(info).not.toBeNull();
		if (!info) return;
		expect([0, 1, 2].map((c) => omeChannelPage(info, c))).toEqual([0, 1, 2]);
		expect([0, 1, 2].map((c) => omeChannelPage({ ...info, dimensionOrder: 'XYZCT' }, c))).toEqual([0, 4, 8]);
		expect([0, 1, 2].map((c) => omeChannelPage({ ...info, dimensionOrder: 'XYZTC' }, c))).toEqual([0, 20, 40]);
		expect([0, 1, 2].map((c) => omeChannelPage({ ...info, dimensionOrder: 'XYTCZ' }, c))).toEqual([0, 5, 10]);
	});
});

describe('densities (PNG pHYs, JPEG JFIF)', () => {
	it('pixels per metre: 1,538,462 px/m is 0.65 µm', () => {
		expect(pixelSizeFromDensity(1538462, 'm').pixelSizeUm).toBe(0.65);
	});

	it('2835 px/m (72 dpi) is a default', () => {
		expect(pixelSizeFromDensity(2835, 'm').pixelSizeUm).toBeNull();
	});

	it('a print resolution over 100 µm per pixel is not a microscope calibration', () => {
		expect(pixelSizeFromDensity(50, 'inch').pixelSizeUm).toBeNull();
	});

	it('pixelSizeFromTiff with nothing gives nothing', () => {
		expect(pixelSizeFromTiff({ imagej: null, ome: null, xResolution: null, yResolution: null, resolutionUnit: 2 })).toEqual({ pixelSizeUm: null, pixelSizeSource: null, notes: [] });
	});
});
