/**
 * Registers the gradient of every TensorFlow.js op, as the `@tensorflow/tfjs`
 * bundle does on import. tfjs-core's Node build leaves them out, and its
 * per-op ES module files import each other without file extensions, which
 * Node's ES module resolver rejects; a resolve hook adds the `.js` for files
 * inside tfjs-core/dist. The gradients land in tfjs's global registry, which
 * the CommonJS build used by the backends shares.
 */
import { register } from 'node:module';

const hook = `
export async function resolve(specifier, context, nextResolve) {
  const inTfjsCore = context.parentURL?.includes('/@tensorflow/tfjs-core/dist/');
  if (inTfjsCore && specifier.startsWith('.') && !specifier.endsWith('.js')) {
    try {
      return await nextResolve(specifier + '.js', context);
    } catch {
      return nextResolve(specifier + '/index.js', context);
    }
  }
  return nextResolve(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, import.meta.url);
await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
