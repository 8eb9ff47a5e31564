import { describe, expect, it } from 'vitest';
import { fileExtension, fileStem, isReadableName, nameRole, parseSuffixList } from '../../../src/lib/core/dataset/pairing';
import { attachMask } from '../../../src/lib/core/dataset/attach';

describe('pairing masks with images by name', () => {
	it('finds stems and extensions', () => {
		expect(fileStem('folder/cells.ome.tif')).toBe('cells.ome');
		expect(fileStem('C:\\data\\a.png')).toBe('a');
		expect(fileExtension('A.TIFF')).toBe('tiff');
		expect(fileExtension('noext')).toBe('');
		expect(isReadableName('x.JPG')).toBe(true);
		expect(isReadableName('notes.txt')).toBe(false);
	});

	it('recognises the default suffixes, longest first', () => {
		expect(nameRole('img_masks.tif')).toEqual({ imageStem: 'img', maskSuffix: '_masks' });
		expect(nameRole('img_seg.npy')).toEqual({ imageStem: 'img', maskSuffix: '_seg' });
		expect(nameRole('caulo_15_cp_masks.tif')).toEqual({ imageStem: 'caulo_15', maskSuffix: '_cp_masks' });
		expect(nameRole('a_labels.png')).toEqual({ imageStem: 'a', maskSuffix: '_labels' });
		expect(nameRole('demo07.tif')).toEqual({ imageStem: 'demo07', maskSuffix: null });
		// A name that is only the suffix is an image, not a mask of an empty stem.
		expect(nameRole('_masks.tif').maskSuffix).toBeNull();
	});

	it('uses a custom suffix list', () => {
		expect(nameRole('x-gt.tif', ['-gt'])).toEqual({ imageStem: 'x', maskSuffix: '-gt' });
		expect(nameRole('x_masks.tif', ['-gt']).maskSuffix).toBeNull();
		expect(parseSuffixList(' _masks, _gt ;_gt  -lab ')).toEqual(['_masks', '_gt', '-lab']);
	});

	it('attaches a mask only to a same-size image with its stem', () => {
		const images = [
			{ id: 'a', stem: 'demo01', name: 'demo01.tif', width: 512, height: 512 },
			{ id: 'b', stem: 'caulo', name: 'caulo.tif', width: 310, height: 281 }
		];
		expect(attachMask({ name: 'demo01_masks.tif', imageStem: 'demo01', width: 512, height: 512 }, images)).toEqual({ kind: 'attach', imageId: 'a' });
		const wrong = attachMask({ name: 'caulo_masks.tif', imageStem: 'caulo', width: 281, height: 310 }, images);
		expect(wrong.kind).toBe('refuse');
		if (wrong.kind === 'refuse') expect(wrong.text).toContain('281 × 310 pixels but its image caulo.tif is 310 × 281');
		const orphan = attachMask({ name: 'zzz_masks.tif', imageStem: 'zzz', width: 1, height: 1 }, images);
		expect(orphan.kind === 'refuse' && orphan.text).toContain('no image named zzz.*');
	});
});
