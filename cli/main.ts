/** `mycol` — the command line over Mycol's core: one small file per subcommand in commands/. */
import { UserError } from '../src/lib/core/formats/errors';
import type { Command } from './command';
import { info } from './commands/info';
import { convert } from './commands/convert';
import { session } from './commands/session';
import { net } from './commands/net';
import { flows } from './commands/flows';
import { dynamics } from './commands/dynamics';
import { segment } from './commands/segment';
import { ap } from './commands/ap';
import { search } from './commands/search';
import { classify } from './commands/classify';
import { trainClassifier } from './commands/train-classifier';
import { measure } from './commands/measure';
import { exportCommand } from './commands/export';
import { train } from './commands/train';

const COMMANDS: Command[] = [info, convert, session, segment, net, flows, dynamics, ap, search, classify, trainClassifier, measure, exportCommand, train];

function usage(): string {
	const width = Math.max(...COMMANDS.map((c) => c.name.length));
	return [
		'Usage: mycol <command> [options]',
		'',
		'Commands:',
		...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
		'',
		'Run `mycol <command> --help` for the options of one command.'
	].join('\n');
}

export async function main(argv: string[]): Promise<number> {
	const [name, ...rest] = argv;
	if (!name || name === '--help' || name === '-h' || name === 'help') {
		console.log(usage());
		return name ? 0 : 2;
	}
	const command = COMMANDS.find((c) => c.name === name);
	if (!command) {
		console.error(`mycol: unknown command "${name}"\n\n${usage()}`);
		return 2;
	}
	if (rest.includes('--help') || rest.includes('-h')) {
		console.log(command.usage);
		return 0;
	}
	try {
		return await command.run(rest);
	} catch (e) {
		if (e instanceof UserError) {
			console.error(`mycol ${name}: ${e.message}`);
			return 1;
		}
		throw e;
	}
}
