// `npm start`: install what is missing, build the app, serve it on localhost and print the URL.
import { ensureDependencies, root, run } from './ensure.js';

ensureDependencies();
console.log('Building Mycol…');
if (run('node_modules/.bin/vite', ['build', '--logLevel', 'warn']) !== 0) {
	console.error('The build failed (see above).');
	process.exit(1);
}
const { preview } = await import('vite');
const port = Number(process.env.PORT ?? 4173);
const server = await preview({ root, preview: { port, host: 'localhost', strictPort: false, open: false } });
const url = server.resolvedUrls?.local[0] ?? `http://localhost:${port}/`;
console.log(`\nMycol is running at ${url}\nOpen it in Chrome, Edge, Firefox or Safari. Press Ctrl+C to stop.\n`);
