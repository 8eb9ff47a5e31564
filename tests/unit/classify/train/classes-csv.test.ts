import { describe, expect, it } from 'vitest';
import { classNamesOf, classesOfImage, readClassesCsv, writeClassesCsv } from '../../../../src/lib/core/classify/classes-csv';
import { FormatError } from '../../../../src/lib/core/formats/errors';

describe('class table (image,label,class[,confidence])', () => {
	it('writes RFC 4180 text and reads it back', () => {
		const rows = [
			{ image: 'a.tif', label: 1, className: 'round', confidence: 0.75 },
			{ image: 'a, b.tif', label: 12, className: 'long "thin"', confidence: 0.5 }
		];
		const text = writeClassesCsv(rows, { confidence: true });
		expect(text).toBe('image,label,class,confidence\r\na.tif,1,round,0.75\r\n"a, b.tif",12,"long ""thin""",0.5\r\n');
		expect(readClassesCsv('c.csv', text)).toEqual(rows);
		expect(writeClassesCsv(rows)).toBe('image,label,class\r\na.tif,1,round\r\n"a, b.tif",12,"long ""thin"""\r\n');
	});

	it('reads a measurement table with a class column, skipping unlabelled cells', () => {
		const text = '# mycol 0.1\nimage,label,class,area_px2\ndemo01,1,,50\ndemo01,2,yeast,60\ndemo02.tif,1,hypha,70\ndemo02.tif,1,hypha,70\n';
		const rows = readClassesCsv('m.csv', text);
		expect(rows).toEqual([
			{ image: 'demo01', label: 2, className: 'yeast' },
			{ image: 'demo02.tif', label: 1, className: 'hypha' }
		]);
		expect(classNamesOf(rows)).toEqual(['hypha', 'yeast']);
		expect([...classesOfImage(rows, 'demo01.tif')]).toEqual([[2, 'yeast']]);
		expect([...classesOfImage(rows, 'demo02.tif')]).toEqual([[1, 'hypha']]);
		expect(classesOfImage(rows, 'demo03.tif').size).toBe(0);
	});

	it('refuses bad tables with a sentence naming the file and row', () => {
		expect(() => readClassesCsv('c.csv', 'image,label\na,1\n')).toThrow("c.csv: the table has no 'class' column");
		expect(() => readClassesCsv('c.csv', 'image,label,class\na,0,x\n')).toThrow("c.csv: data row 1: '0' is not a cell label");
		expect(() => readClassesCsv('c.csv', 'image,label,class\na,2.5,x\n')).toThrow(FormatError);
		expect(() => readClassesCsv('c.csv', 'image,label,class\n,3,x\n')).toThrow('data row 1 has a class but no image name');
		expect(() => readClassesCsv('c.csv', 'image,label,class\na,3,x\nb,3,y\na,3,y\n')).toThrow("cell 3 of a is labelled 'x' in data row 1 and 'y' in data row 3");
		expect(() => readClassesCsv('c.csv', 'image,label,class,confidence\na,3,x,1.5\n')).toThrow(/confidence '1.5'/);
	});
});
