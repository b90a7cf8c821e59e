/**
 * `gradlab playground`: serves the dead-neuron playground page on localhost
 * (building it first in a checkout of the repository, when it is missing or
 * older than its sources) and prints its address; it serves until Ctrl-C.
 */
import { buildPage, pageIsStale, servePage } from '../playground/server.js';
import { defineCommand } from './command.js';

const flags = {
  port: { kind: 'int', min: 0, max: 65535, default: 8080, description: 'Port to serve on (0: any free port)' },
  host: { kind: 'string', default: '127.0.0.1', description: 'Address to listen on (127.0.0.1: this machine only)' },
} as const;

export const playgroundCommand = defineCommand(
  {
    name: 'playground',
    summary: 'Serves the dead-neuron playground, a web page that trains the networks of dead-neurons in the browser, and prints its address.',
    details: 'Open the printed address in a browser; Ctrl-C stops the server. In a checkout of the repository it builds the page first when needed (Vite).',
    flags,
    interruptHint: 'The server has stopped; to start it again, run',
  },
  async (options, _positionals, context) => {
    if (pageIsStale()) {
      context.log('playground: building the page…');
      buildPage();
    }
    const { server, url } = await servePage({ host: options.host, port: options.port });
    process.stdout.write(`gradlab playground: serving ${url}  (Ctrl-C stops it)\n`);
    // Serves until the process is interrupted (the executable's Ctrl-C handler exits) or the server closes.
    await new Promise<void>((resolve) => server.on('close', resolve));
    return { filesWritten: [] };
  },
);
