/** What every subcommand provides. `run` returns the exit code; user errors are thrown as UserError. */
export interface Command {
	name: string;
	summary: string;
	usage: string;
	run(argv: string[]): Promise<number>;
}
