/**
 * Serving the built playground page with nothing but node:http (no Vite at
 * run time), and building it first where its sources are at hand (a
 * checkout of the repository; an installed `gradlab` package ships the
 * built page only). `gradlab playground` and the browser tests use it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built page: dist/playground-page/ of the `gradlab` package (two folders up from src/playground/ and dist/playground/). */
export const PAGE_DIR = fileURLToPath(new URL('../../dist/playground-page/', import.meta.url));
/** The page's sources and Vite config, present in a checkout of the repository only. */
export const PAGE_SOURCE_DIR = fileURLToPath(new URL('../../playground/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  // The packed digits are gzip bytes the page unpacks itself (DecompressionStream): no Content-Encoding.
  '.gz': 'application/octet-stream',
};

/** The newest modification time (ms) of the files under `dir` whose names pass `keep`, 0 if none. */
function newestFile(dir: string, keep: (name: string) => boolean): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && keep(entry.name)) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Whether the page must be (re)built: in a checkout, when it is missing or
 * older than its sources or the compiled packages it bundles; in an installed
 * package never (there is nothing to build it from).
 */
export function pageIsStale(): boolean {
  if (!existsSync(join(PAGE_SOURCE_DIR, 'vite.config.ts'))) return false;
  const built = join(PAGE_DIR, 'index.html');
  if (!existsSync(built)) return true;
  const packages = fileURLToPath(new URL('../../../', import.meta.url));
  const sources = Math.max(
    newestFile(PAGE_SOURCE_DIR, (name) => /\.(ts|html|css)$/.test(name)),
    ...['core', 'nn', 'examples'].map((name) => newestFile(join(packages, name, 'dist'), (file) => file.endsWith('.js'))),
  );
  return statSync(built).mtimeMs < sources;
}

/**
 * Builds the page with the repository's Vite (`vite build` with
 * playground/vite.config.ts) in a child process; throws with Vite's output if it fails.
 */
export function buildPage(): void {
  const require = createRequire(join(PAGE_SOURCE_DIR, 'vite.config.ts'));
  let vite: string;
  try {
    const manifest = require.resolve('vite/package.json');
    const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> };
    vite = join(manifest, '..', bin['vite']!);
  } catch {
    throw new Error('the page needs building, and Vite is not installed here: run `npx -y pnpm@12.4.2 install` in the repository');
  }
  const result = spawnSync(process.execPath, [vite, 'build', '--config', join(PAGE_SOURCE_DIR, 'vite.config.ts')], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building the page failed:\n${result.stderr || result.stdout || result.error?.message}`);
}

/**
 * The file of the page that `url` asks for, or null for anything outside
 * the page's folder or not a regular file.
 */
function fileFor(url: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(new URL(url, 'http://localhost').pathname);
  } catch {
    return null;
  }
  const file = normalize(join(PAGE_DIR, path.endsWith('/') ? `${path}index.html` : path));
  if (!file.startsWith(PAGE_DIR.endsWith(sep) ? PAGE_DIR : `${PAGE_DIR}${sep}`)) return null;
  return existsSync(file) && statSync(file).isFile() ? file : null;
}

/**
 * Starts serving the built page on `host:port` (port 0: any free one) and
 * resolves with the server and its address, or rejects with an Error saying
 * why in words (port in use, not allowed, page not built).
 *
 * @example
 * const { server, url } = await servePage({ host: '127.0.0.1', port: 0 });
 * // … open url …
 * server.close();
 */
export function servePage(options: { host: string; port: number }): Promise<{ server: Server; url: string }> {
  if (!existsSync(join(PAGE_DIR, 'index.html'))) {
    return Promise.reject(new Error(`the page is not built (${PAGE_DIR} has no index.html): run \`npx -y pnpm@12.4.2 run build\` in the repository`));
  }
  const server = createServer((request, response) => {
    const file = request.method === 'GET' || request.method === 'HEAD' ? fileFor(request.url ?? '/') : null;
    if (file === null) {
      response.writeHead(request.method === 'GET' || request.method === 'HEAD' ? 404 : 405, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('not found\n');
      return;
    }
    const body = readFileSync(file);
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': 'no-cache',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${options.host}:${options.port}`;
      if (error.code === 'EADDRINUSE') reject(new Error(`port ${options.port} on ${options.host} is in use; choose another with --port (0 picks a free one)`));
      else if (error.code === 'EACCES') reject(new Error(`not allowed to listen on ${where} (ports below 1024 need privileges); choose another with --port`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(new Error(`cannot listen on ${where}: this machine has no such address (--host)`));
      else reject(new Error(`cannot listen on ${where}: ${error.message}`));
    });
    server.listen(options.port, options.host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({ server, url: `http://${host}:${port}/` });
    });
  });
}
